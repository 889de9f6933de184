/* yamldoc_json.h — YAML trees (yamldoc.h) as JSON values (jansson) and
 * back: a config's channel settings and a YAML job's fields shown as JSON,
 * a job sent as JSON written as YAML. */
#ifndef YAMLDOC_JSON_H
#define YAMLDOC_JSON_H

#include <jansson.h>

#include "yamldoc.h"

/* The tree as JSON, its scalars typed by YAML 1.1 core rules (quoted ones
 * stay strings); NULL when out of memory or a mapping has a key that is
 * not a scalar.  Trees from the loader are at most YAMLDOC_MAX_DEPTH deep. */
json_t *yamldoc_to_json(const struct yamldoc_node *node);

/* A JSON value as a tree: strings as quoted scalars, numbers, booleans and
 * null as plain ones.  NULL when out of memory or nested deeper than
 * max_depth.  Free with yamldoc_free. */
struct yamldoc_node *yamldoc_from_json(const json_t *value, int max_depth);

#endif
