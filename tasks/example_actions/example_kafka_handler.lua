-- The Action Scheduler's own callback, a Kafka producer: each fire of a row
-- of the example SQL source (tasks/example_actions/README.md) publishes the
-- row's command to a topic, with the row's name as the key.  The source's
-- `handler: example_actions/example_kafka_handler` calls run with
-- ctx.args = { command = <the row's command>, action = <its name>, source = "actions" }.
-- Brokers, topic and librdkafka properties are in config/example_kafka.yaml;
-- a SASL password goes in config/secrets.yaml as kafka.sasl_password.
-- As a task of its own it never fires (every task has a schedule; this one
-- is disabled): only the rows' schedules call it, so `make run` sends
-- nothing to a broker that is not there.
return {
    description = "publishes the command of each fire of a row of the actions table to Kafka",
    schedule = every(1).days,
    enabled = false,
    run = function(ctx)
        local command = ctx.args.command
        if not command then
            error("no command: the rows of an SQL source call this handler", 0)
        end
        local settings, err = config.load("example_kafka.yaml")
        if not settings then error(err, 0) end
        local properties = settings.config or {}
        -- nil, not an error, when secrets.yaml or the key is missing.
        local password = config.get("kafka.sasl_password", "secrets.yaml", nil)
        if password then properties["sasl.password"] = password end
        local ok, perr = kafka.produce{
            brokers = settings.brokers,
            topic = settings.topic,
            key = ctx.args.action,
            value = command,
            headers = { action = ctx.args.action, source = ctx.args.source },
            config = properties,
            timeout = settings.timeout,
        }
        if not ok then error(perr, 0) end
        log.info("published " .. tostring(ctx.args.action), { topic = settings.topic })
    end,
}
