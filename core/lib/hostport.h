/* hostport.h — "HOST:PORT" listen addresses, as config files write them.
 *
 * "127.0.0.1:8421", "0.0.0.0:80", "[::1]:8421", "[::]:8421", and a host
 * name is refused: a listen address is bound at once, and a name lookup
 * could block the daemon's loop (or answer differently tomorrow).  The
 * config (api.listen) checks the text with it, the API binds what it
 * parses.
 */
#ifndef HOSTPORT_H
#define HOSTPORT_H

#include <stddef.h>
#include <sys/socket.h>

#define HOSTPORT_ERR_MAX 160

/* Parse `text` into *addr (an IPv4 or IPv6 socket address) and *len.
 * 0, or -1 with why not in err ("expected HOST:PORT …"). */
int hostport_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len, char *err,
                   size_t errlen);

#endif
