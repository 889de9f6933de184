/* version.h — the program's version, for --version, the status report and
 * the daemon's start line.  It sits at core/'s top: every layer may say it. */
#ifndef VERSION_H
#define VERSION_H

#define SCHEDULER_VERSION "0.1.0"

#endif
