/* burst.h — how early the k-th run of a burst on one instant is prepared
 * (burst.c): the rule alone, apart from the engine's count of each
 * instant's runs. */
#ifndef BURST_H
#define BURST_H

/* Seconds ahead of its release instant for the `n`-th run of a burst
 * (n >= 1), one fire costing `fire_cost` s on the loop, of a task firing
 * every `period` s (0 or less: no period): n x fire_cost x
 * ENGINE_BURST_SAFETY, at least ENGINE_PREPARE_AHEAD, at most
 * ENGINE_PREPARE_AHEAD_MAX and half the period. */
double burst_lead(int n, double fire_cost, double period);

#endif
