/* ivr_json: reads menus and business hours from JSON (strict, through base/json), with errors that
 * name the node and field. */
#ifndef SB_CORE_IVR_JSON_H
#define SB_CORE_IVR_JSON_H

/*
 * This file is the configuration reader of the IVR module; it lives in its
 * own library (sb_ivr_json, which links cJSON) so the state machines in
 * sb_ivr stay as pure as the rest of the core. The formats are in
 * docs/ivr.md.
 *
 * Every function returns 0, EBADMSG (bad JSON or a bad definition; err
 * then says where and what, e.g. `node "main": choices: key "x": not a
 * DTMF key`), EINVAL (a NULL argument) or ENOMEM.
 */

#include <cjson/cJSON.h>
#include <stddef.h>

#include "core/ivr/hours.h"
#include "core/ivr/menu.h"

#define IVR_ERR_MAX 200

/* Parses a menu document; on success *m owns its nodes (ivr_menu_clear frees them). */
int ivr_menu_parse(const char *text, size_t len, struct ivr_menu *m, char *err, size_t errlen);
int ivr_menu_from_json(const cJSON *root, struct ivr_menu *m, char *err, size_t errlen);

/* Parses a business-hours document into *h. */
int ivr_hours_parse(const char *text, size_t len, struct ivr_hours *h, char *err, size_t errlen);
int ivr_hours_from_json(const cJSON *root, struct ivr_hours *h, char *err, size_t errlen);

#endif
