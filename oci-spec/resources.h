/* Internal: the resources parser shared by config.c and resources.c. */
#ifndef HACHER_OCI_RESOURCES_H
#define HACHER_OCI_RESOURCES_H

#include "config.h"
#include "json.h"

int oci_resources_from_tree(struct json_ctx *c, yajl_val res, const char *path,
                            struct oci_resources *r);

#endif
