/* cloud.h - cloud virtual-switch profiles and the provider's port bindings.
 *
 * The presets a [switch] `profile =` names (AWS, Alibaba ECS, Hyper-V with
 * MAC spoofing off or teaming allowed) as SwitchVsProfile values for
 * switch_set_vswitch, each drop named in the provider's own terms, and the
 * default binding of a port: what a provider binds to the virtual NIC
 * cabled to it (reference 13.12; docs/scenario-format.md). Called by
 * scenario.c only, after the links are laid. Profiles are static: never
 * freed, never copied.
 */
#ifndef BONDSIM_CLOUD_H
#define BONDSIM_CLOUD_H

#include <glib.h>

#include "switch.h"

typedef struct Sim Sim;

#define CLOUD_ERROR (cloud_error_quark())
GQuark cloud_error_quark(void);

/* The profile called `name` ("aws", "alibaba", "hyperv-strict",
 * "hyperv-teaming"), or NULL; "none" is no profile (a plain bridge) and
 * also gives NULL. Borrowed, static. */
const SwitchVsProfile *cloud_profile_find(const char *name);

/* "aws, alibaba, hyperv-strict, hyperv-teaming, none", for messages. */
const char *cloud_profile_list(void);

/* The default binding of a cabled port `port` (0-based) of `sw`:
 * - cabled to another switch: trusted (no checks);
 * - a host's plain NIC: its permanent MAC and the interface's address;
 * - a bond slave: the slave's permanent MAC (the provider's vNIC MAC, not
 *   the bond's) and, for the first slave only (whose MAC the bond takes),
 *   the bond's address: the one the VM had on that vNIC; other slaves have
 *   no address bound (give it with bind.portN ip=...).
 * An uncabled port is bound to nothing. */
void cloud_default_binding(const Sim *sim, const Switch *sw, int port, SwitchBinding *out);

/* Applies "trusted", or "[mac=MAC] [ip=A[,B...]|ip=none]" on top of `b`
 * (which holds the default). FALSE with `error` set on a bad value. */
gboolean cloud_parse_binding(const char *text, SwitchBinding *b, GError **error);

/* "mac=02:00:00:01:00:01 ip=10.0.0.11", "trusted" or "nothing": for the
 * capture's port description. Caller frees. */
char *cloud_binding_text(const SwitchBinding *b);

/* The cloud switch's drops as a JSON object, for stats.json (NULL for a
 * plain switch): {"profile":"aws","ports":[{"name":"vsw/port2",
 * "binding":"mac=.. ip=..","drops":{"src-mac-not-bound":N,...}},...]},
 * cabled ports only, in port order. Caller frees. */
char *cloud_switch_json(const Switch *sw);

#endif
