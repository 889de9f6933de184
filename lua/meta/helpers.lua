---@meta
-- The helper modules, preloaded as globals in every run (and require-able).

---@class log
log = {}
---@param msg string
---@param fields? table<string, any>
function log.debug(msg, fields) end
---@param msg string
---@param fields? table<string, any>
function log.info(msg, fields) end
---@param msg string
---@param fields? table<string, any>
function log.warn(msg, fields) end
---@param msg string
---@param fields? table<string, any>
function log.error(msg, fields) end

---@class NotifyMessage
---@field title string
---@field message string
---@field urgency? "low"|"normal"|"critical"
---@field channels? string[]

---@class notify
notify = {}
---Send to the named channels of config.yaml (default: all, or the desktop).
---@param msg NotifyMessage
---@return true|nil ok
---@return string? err
function notify.send(msg) end

---@class ExecResult
---@field code integer|nil
---@field signal integer|nil
---@field stdout string
---@field stderr string
---@field duration number
---@field timed_out boolean
---@field truncated boolean

---@class ExecOptions
---@field cwd? string
---@field env? table<string, string|false>
---@field stdin? string
---@field timeout? number
---@field max_output? integer

---@class exec
exec = {}
---Run a program (argv list, no shell): `exec.run{ "git", "status", cwd = "/srv" }`.
---@param argv (string|ExecOptions)[]
---@return ExecResult|nil result
---@return string? err
function exec.run(argv) end
---Run a command line through /bin/sh.
---@param cmd string
---@param opts? ExecOptions
---@return ExecResult|nil result
---@return string? err
function exec.shell(cmd, opts) end
---Run a script by its shebang.
---@param path string
---@param args? string[]
---@param opts? ExecOptions
---@return ExecResult|nil result
---@return string? err
function exec.script(path, args, opts) end

---@class config
config = {}
---@param name? string  file under config/ (default config.yaml)
---@return table|nil
---@return string? err
function config.load(name) end
---The value at a dotted path; `default` when the key is missing or null;
---nil and a message when the file is missing or broken.
---@param path string  dotted path "a.b.c"
---@param name? string
---@param default? any
---@return any
---@return string? err
function config.get(path, name, default) end
---@param tbl table
---@param name string
---@return true|nil
---@return string? err
function config.save(tbl, name) end
---@return string[]
function config.list() end
---@return string
function config.root() end

---@class HttpResponse
---@field status integer
---@field headers table<string, string>  names in lowercase
---@field body string
---@field url string                     the final address, after redirects

---@class HttpOptions
---@field headers? table<string, string>
---@field timeout? number
---@field follow? boolean
---@field verify? boolean

---@class HttpRequest: HttpOptions
---@field method? string
---@field url string
---@field body? string|table

---@class http
http = {}
---@param url string
---@param opts? HttpOptions
---@return HttpResponse|nil
---@return string? err
function http.get(url, opts) end
---@param url string
---@param body string|table
---@param opts? HttpOptions
---@return HttpResponse|nil
---@return string? err
function http.post(url, body, opts) end
---@param req HttpRequest
---@return HttpResponse|nil
---@return string? err
function http.request(req) end

---@class json
---@field null lightuserdata  JSON null (a value that survives in lists)
---@field array_mt table      metatable marking a table as a JSON array
json = {}
---@param value any
---@param opts? { indent?: integer, sort_keys?: boolean }
---@return string
function json.encode(value, opts) end
---@param text string
---@return any
---@return string? err
function json.decode(text) end
---Mark a table as a JSON array (so an empty one encodes as []).
---@param t table
---@return table
function json.array(t) end

---@class state
state = {}
---@param key string
---@return any
function state.get(key) end
---@param key string
---@param value any
function state.set(key, value) end
---@param key string
function state.delete(key) end
---@return table<string, any>
function state.all() end

---@class KafkaMessage
---@field brokers string                 "host:port,host:port"
---@field topic string
---@field value string                   the bytes sent
---@field key? string
---@field headers? table<string, string>
---@field config? table<string, string|number|boolean>  librdkafka properties ("sasl.password" = …)
---@field timeout? number                seconds to wait for the delivery report (default 10)

---@class kafka
kafka = {}
---Send one message and wait for the broker's acknowledgement.
---@param msg KafkaMessage
---@return true|nil ok
---@return string? err
function kafka.produce(msg) end
