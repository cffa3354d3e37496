/* scenario.h - builds a Sim from a scenario file (docs/scenario-format.md).
 *
 * Reads the key file through ini.c (file:line errors, duplicates refused),
 * applies --set overrides, checks every group and key against what bondsim
 * knows, and creates switches, hosts (NICs, bonds, addresses, routes), links,
 * traffic flows and faults in file order. Every refusal is one GError whose
 * message reads "file:line: [group] key: message". Limits (hosts, NICs,
 * ports, flows, faults, duration) are checked here and named in the message.
 * Where the kernel would accept and wait, a scenario refuses: a bond's
 * `primary` must name one of its slaves (the kernel keeps an unknown name
 * until such a slave is enslaved; a scenario's slaves are fixed, so it can
 * only be a typing error). Interface names follow the kernel's
 * dev_valid_name (1-15 bytes, no '/', ':' or blank) and have no '.'.
 */
#ifndef BONDSIM_SCENARIO_SCENARIO_H
#define BONDSIM_SCENARIO_SCENARIO_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "bond/options.h"
#include "sim.h"

#define SCENARIO_ERROR (scenario_error_quark())
GQuark scenario_error_quark(void);

#define SCENARIO_MAX_DURATION_PS (24ull * 3600ull * 1000000000000ull)

typedef struct {
    GPtrArray *sets; /* "group.key=value" strings from --set, borrowed */
    bool seed_given; /* --seed overrides [simulation] seed */
    uint64_t seed;
    /* bondsim compare: every bond runs in `mode`, whatever its options say;
     * options the kernel refuses in that mode are dropped, with a warning
     * naming them. false (the zero value) keeps each bond's own mode. */
    bool force_mode;
    BondMode mode;
    /* NULL: warnings are printed on stderr. Otherwise each warning line
     * ("file:line: [group] key: warning: ...") is appended as a new string;
     * give the array g_free as its free function. Borrowed. */
    GPtrArray *warnings;
} ScenarioOptions;

/* Loads and builds. Returns NULL with `error` set on any problem; nothing is
 * written anywhere. Caller frees with sim_free(). `canonical` (may be NULL)
 * receives a one-line description of every option that affects results, for
 * the capture's section comment; caller frees. */
Sim *scenario_load(const char *path, const ScenarioOptions *opts, char **canonical, GError **error);

/* Registers every interface with the capture and the host names, in
 * topology order: per host its plain NICs, bonds and their slaves; then the
 * cabled switch ports. */
void scenario_register_capture(Sim *sim);

/* The counters for the capture's Interface Statistics Blocks, one entry per
 * registered interface in registration order (NICs: frames received, drops
 * on receive and on send; bonds: frames delivered up, inactive-slave
 * filtering, transmit drops). Caller frees. Used by run and compare. */
CaptureIfStats *scenario_capture_if_stats(const Sim *sim);

#endif
