/* scenario.c - scenario file -> Sim (see scenario.h and
 * docs/scenario-format.md). Cold code: GLib containers and formatting are
 * fine here; nothing built here is looked up by name while running. */
#include "scenario/scenario.h"

#include <stddef.h>
#include <string.h>

#include "bond/bond.h"
#include "bond/options.h"
#include "cloud.h"
#include "host.h"
#include "nat.h"
#include "net/ipv6.h"
#include "scenario/ini.h"
#include "switch.h"
#include "traffic/flow.h"
#include "traffic/replay.h"
#include "traffic/tcp.h"
#include "util/bytes.h"
#include "util/units.h"

GQuark scenario_error_quark(void)
{
    return g_quark_from_static_string("bondsim-scenario-error-quark");
}

#define SCENARIO_FORMAT 1
#define SCENARIO_MAX_PORTS SWITCH_MAX_PORTS

typedef struct {
    IniFile *ini;
    Sim *sim;
    const ScenarioOptions *opts;
    GString *canon;
    GHashTable *hosts;      /* name -> Host*, borrowed */
    GHashTable *switches;   /* name -> Switch*, borrowed */
    GHashTable *bond_of;    /* Nic* -> Bond*, for capture descriptions */
    GHashTable *route_adds; /* Host* -> route-add/default-route faults on it so far */
} Loader;

typedef gboolean (*GroupFn)(Loader *ld, const char *group, const char *name, GError **error);

/* ---- small parsers with file:line errors --------------------------------- */

static gboolean fail_from(Loader *ld, GError **error, const char *group, const char *key,
                          GError *cause)
{
    ini_fail(ld->ini, error, group, key, "%s", cause->message);
    g_error_free(cause);
    return FALSE;
}

static gboolean get_time(Loader *ld, const char *group, const char *key, const char *text,
                         uint64_t *out, GError **error)
{
    GError *e = NULL;
    if (!units_parse_time_ps(text, 0, out, &e))
        return fail_from(ld, error, group, key, e);
    return TRUE;
}

static gboolean get_rate(Loader *ld, const char *group, const char *key, const char *text,
                         uint64_t *out, GError **error)
{
    GError *e = NULL;
    if (!units_parse_rate_bps(text, out, &e))
        return fail_from(ld, error, group, key, e);
    if (*out < UINT64_C(1000000) || *out > UINT64_C(400000000000))
        return ini_fail(ld->ini, error, group, key,
                        "speed '%s' is outside 10M to 400G (NIC speeds bondsim models)", text);
    return TRUE;
}

/* A traffic rate: 1 kbit/s to 400 Gbit/s (NIC speeds have their own range). */
static gboolean get_flow_rate(Loader *ld, const char *group, const char *key, const char *text,
                              uint64_t *out, GError **error)
{
    GError *e = NULL;
    if (!units_parse_rate_bps(text, out, &e))
        return fail_from(ld, error, group, key, e);
    if (*out < UINT64_C(1000) || *out > UINT64_C(400000000000))
        return ini_fail(ld->ini, error, group, key, "rate '%s' is outside 1kbit to 400G", text);
    return TRUE;
}

static gboolean get_uint(Loader *ld, const char *group, const char *key, const char *text,
                         uint64_t min, uint64_t max, uint64_t *out, GError **error)
{
    GError *e = NULL;
    if (!units_parse_uint(text, min, max, out, &e))
        return fail_from(ld, error, group, key, e);
    return TRUE;
}

/* Splits "a=1 b=2" into a table; refuses unknown and repeated options and
 * tokens without '='. `first` (may be NULL) receives leading tokens that have
 * no '=' when `n_first` > 0. */
static GHashTable *kv_parse(Loader *ld, const char *group, const char *key, const char *text,
                            const char *const *allowed, GError **error)
{
    GHashTable *kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) tok = g_strsplit_set(text, " \t", -1);
    for (int i = 0; tok[i]; i++) {
        if (!tok[i][0])
            continue;
        char *eq = strchr(tok[i], '=');
        if (!eq || eq == tok[i]) {
            ini_fail(ld->ini, error, group, key, "'%s' is not of the form option=value", tok[i]);
            goto fail;
        }
        *eq = '\0';
        if (!g_strv_contains(allowed, tok[i])) {
            g_autofree char *list = g_strjoinv(", ", (char **)allowed);
            ini_fail(ld->ini, error, group, key, "unknown option '%s' (accepted: %s)", tok[i],
                     list);
            goto fail;
        }
        if (g_hash_table_contains(kv, tok[i])) {
            ini_fail(ld->ini, error, group, key, "option '%s' given twice", tok[i]);
            goto fail;
        }
        g_hash_table_insert(kv, g_strdup(tok[i]), g_strdup(eq + 1));
    }
    return kv;
fail:
    g_hash_table_unref(kv);
    return NULL;
}

/* "server.eth0", "sw1.port3" or "sw1.3" -> the NIC. */
static Nic *resolve_endpoint(Loader *ld, const char *text)
{
    const char *dot = strchr(text, '.');
    if (!dot)
        return NULL;
    g_autofree char *owner = g_strndup(text, (gsize)(dot - text));
    const char *ifname = dot + 1;
    Host *h = g_hash_table_lookup(ld->hosts, owner);
    if (h)
        return host_find_nic(h, ifname);
    Switch *sw = g_hash_table_lookup(ld->switches, owner);
    if (!sw)
        return NULL;
    const char *num = g_str_has_prefix(ifname, "port") ? ifname + 4 : ifname;
    guint64 n;
    if (!g_ascii_string_to_unsigned(num, 10, 1, SCENARIO_MAX_PORTS, &n, NULL))
        return NULL;
    return switch_port(sw, (int)n);
}

/* ---- [simulation] -------------------------------------------------------- */

static gboolean load_simulation(Loader *ld, GError **error)
{
    const char *g = "simulation";
    static const char *const keys[] = {"format", "name",        "duration", "seed",
                                       "hz",     "peer_notify", NULL};
    if (!ini_has_group(ld->ini, g))
        return ini_fail(ld->ini, error, NULL, NULL, "no [simulation] group");
    const char *const *k = ini_keys(ld->ini, g);
    for (; *k; k++)
        if (!g_strv_contains(keys, *k))
            return ini_fail(ld->ini, error, g, *k,
                            "unknown key (accepted: format, name, duration, seed, hz, "
                            "peer_notify)");
    const char *v = ini_get(ld->ini, g, "format");
    if (!v)
        return ini_fail(ld->ini, error, g, NULL, "'format = 1' is required");
    if (strcmp(v, "1") != 0)
        return ini_fail(ld->ini, error, g, "format",
                        "format '%s' is not known: this bondsim reads format 1", v);
    Sim *sim = ld->sim;
    v = ini_get(ld->ini, g, "duration");
    if (!v)
        return ini_fail(ld->ini, error, g, NULL, "'duration' is required (e.g. 10s)");
    if (!get_time(ld, g, "duration", v, &sim->end_ps, error))
        return FALSE;
    if (sim->end_ps == 0 || sim->end_ps > SCENARIO_MAX_DURATION_PS)
        return ini_fail(ld->ini, error, g, "duration", "must be above 0 and at most 24h");
    uint64_t u;
    if ((v = ini_get(ld->ini, g, "seed")) && !ld->opts->seed_given) {
        if (!get_uint(ld, g, "seed", v, 0, UINT64_MAX, &u, error))
            return FALSE;
        sim->seed = u;
    }
    if ((v = ini_get(ld->ini, g, "hz"))) {
        if (!get_uint(ld, g, "hz", v, 100, 1000, &u, error))
            return FALSE;
        if (u != 100 && u != 250 && u != 300 && u != 1000)
            return ini_fail(ld->ini, error, g, "hz",
                            "HZ %s is not a kernel choice (100, 250, "
                            "300 or 1000)",
                            v);
        sim->hz = (uint32_t)u;
    }
    if ((v = ini_get(ld->ini, g, "peer_notify"))) {
        if (strcmp(v, "legacy") != 0 && strcmp(v, "current") != 0)
            return ini_fail(ld->ini, error, g, "peer_notify",
                            "'%s': use 'current' (kernels >= 6.18 and late-2025 stable) or "
                            "'legacy' (older kernels)",
                            v);
        sim->legacy_peer_notify = strcmp(v, "legacy") == 0;
    }
    if ((v = ini_get(ld->ini, g, "name"))) {
        g_free(sim->name);
        sim->name = g_strdup(v);
    }
    g_string_append_printf(ld->canon,
                           "scenario=%s seed=%" G_GUINT64_FORMAT " hz=%u "
                           "peer_notify=%s",
                           sim->name, sim->seed, sim->hz,
                           sim->legacy_peer_notify ? "legacy" : "current");
    return TRUE;
}

/* ---- [switch NAME] ------------------------------------------------------- */

/* "portchannel.po1" or "port-channel.po1" -> "po1", else NULL. */
static const char *portchannel_name(const char *key)
{
    if (g_str_has_prefix(key, "portchannel."))
        return key + strlen("portchannel.");
    if (g_str_has_prefix(key, "port-channel."))
        return key + strlen("port-channel.");
    return NULL;
}

/* Member ports "1 2" or "port1 port2" (leading tokens), then options. */
static gboolean parse_members(Loader *ld, const char *g, const char *key, char **tok, int *ports,
                              int *n, int *next, GError **error)
{
    *n = 0;
    int i = 0;
    for (; tok[i] && !strchr(tok[i], '='); i++) {
        if (!tok[i][0])
            continue;
        const char *num = g_str_has_prefix(tok[i], "port") ? tok[i] + 4 : tok[i];
        guint64 v;
        if (!g_ascii_string_to_unsigned(num, 10, 1, SCENARIO_MAX_PORTS, &v, NULL))
            return ini_fail(ld->ini, error, g, key,
                            "'%s' is not a port number (write the member ports first: "
                            "'1 2' or 'port1 port2', then options)",
                            tok[i]);
        if (*n == SWITCH_MAX_MEMBERS)
            return ini_fail(ld->ini, error, g, key, "more than %d member ports",
                            SWITCH_MAX_MEMBERS);
        ports[(*n)++] = (int)v;
    }
    if (*n == 0)
        return ini_fail(ld->ini, error, g, key,
                        "no member ports (e.g. 'portchannel.po1 = 1 2 mode=static')");
    *next = i;
    return TRUE;
}

/* portchannel.NAME = PORTS [mode=static|lacp] [lacp=active|passive]
 * [lacp_rate=slow|fast] [hash=H] */
static gboolean load_portchannel(Loader *ld, const char *g, const char *key, Switch *sw,
                                 GError **error)
{
    static const char *const allowed[] = {"mode", "lacp", "lacp_rate", "hash", NULL};
    const char *name = portchannel_name(key);
    g_auto(GStrv) tok = g_strsplit_set(ini_get(ld->ini, g, key), " \t", -1);
    int ports[SWITCH_MAX_MEMBERS], n = 0, next = 0;
    if (!parse_members(ld, g, key, tok, ports, &n, &next, error))
        return FALSE;
    g_autofree char *rest = g_strjoinv(" ", tok + next);
    g_autoptr(GHashTable) kv = kv_parse(ld, g, key, rest, allowed, error);
    if (!kv)
        return FALSE;
    SwitchChanConfig cfg = {SWITCH_CHAN_STATIC, true, false, SWITCH_HASH_SRC_DST_IP};
    const char *v = g_hash_table_lookup(kv, "mode");
    if (v && strcmp(v, "lacp") == 0)
        cfg.mode = SWITCH_CHAN_LACP;
    else if (v && strcmp(v, "static") != 0 && strcmp(v, "on") != 0)
        return ini_fail(ld->ini, error, g, key, "mode '%s': use static (or on) or lacp", v);
    if ((v = g_hash_table_lookup(kv, "lacp"))) {
        if (cfg.mode != SWITCH_CHAN_LACP)
            return ini_fail(ld->ini, error, g, key, "lacp=%s needs mode=lacp", v);
        if (strcmp(v, "active") != 0 && strcmp(v, "passive") != 0)
            return ini_fail(ld->ini, error, g, key, "lacp '%s': use active or passive", v);
        cfg.lacp_active = strcmp(v, "active") == 0;
    }
    if ((v = g_hash_table_lookup(kv, "lacp_rate"))) {
        if (cfg.mode != SWITCH_CHAN_LACP)
            return ini_fail(ld->ini, error, g, key, "lacp_rate=%s needs mode=lacp", v);
        if (strcmp(v, "slow") != 0 && strcmp(v, "fast") != 0)
            return ini_fail(ld->ini, error, g, key, "lacp_rate '%s': use slow or fast", v);
        cfg.lacp_fast = strcmp(v, "fast") == 0;
    }
    if ((v = g_hash_table_lookup(kv, "hash")) && !switch_hash_parse(v, &cfg.hash))
        return ini_fail(ld->ini, error, g, key,
                        "hash '%s': use src-mac, dst-mac, src-dst-mac, src-dst-ip or "
                        "src-dst-port",
                        v);
    GError *e = NULL;
    if (!switch_add_channel(ld->sim, sw, name, ports, n, &cfg, &e))
        return fail_from(ld, error, g, key, e);
    if (cfg.mode == SWITCH_CHAN_LACP)
        g_string_append_printf(ld->canon, " %s/%s=[lacp %s %s hash=%s]", sw->name, name,
                               cfg.lacp_active ? "active" : "passive",
                               cfg.lacp_fast ? "fast" : "slow", switch_hash_name(cfg.hash));
    else
        g_string_append_printf(ld->canon, " %s/%s=[static hash=%s]", sw->name, name,
                               switch_hash_name(cfg.hash));
    return TRUE;
}

/* lacp_system = MAC, lacp_system_priority = N: the identity of the switch's
 * LACP channels (one shared MAC on two switches: MC-LAG). */
static gboolean load_lacp_system(Loader *ld, const char *g, Switch *sw, GError **error)
{
    const char *mac_text = ini_get(ld->ini, g, "lacp_system");
    const char *prio_text = ini_get(ld->ini, g, "lacp_system_priority");
    if (!mac_text && !prio_text)
        return TRUE;
    uint8_t mac[6];
    memcpy(mac, sw->lacp_system, 6);
    uint64_t prio = sw->lacp_sys_prio;
    if (mac_text && (!units_parse_mac(mac_text, mac, NULL) || mac_is_multicast(mac) ||
                     (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0))
        return ini_fail(ld->ini, error, g, "lacp_system",
                        "'%s' is not a unicast MAC (e.g. 02:00:00:00:aa:01)", mac_text);
    if (prio_text && !get_uint(ld, g, "lacp_system_priority", prio_text, 1, 65535, &prio, error))
        return FALSE;
    switch_set_lacp_system(sw, (uint16_t)prio, mac);
    char buf[24];
    g_string_append_printf(ld->canon, " %s/lacp_system=%" G_GUINT64_FORMAT ",%s", sw->name, prio,
                           units_format_mac(mac, buf, sizeof(buf)));
    return TRUE;
}

/* profile = aws|alibaba|hyperv-strict|hyperv-teaming|none: a cloud virtual
 * switch (sim/cloud.h); its bind.portN keys are read once the links are laid
 * (load_vswitch_bindings). */
static gboolean load_vswitch_profile(Loader *ld, const char *g, Switch *sw, GError **error)
{
    const char *v = ini_get(ld->ini, g, "profile");
    const SwitchVsProfile *p = v ? cloud_profile_find(v) : NULL;
    if (v && !p && strcmp(v, "none") != 0)
        return ini_fail(ld->ini, error, g, "profile", "'%s' is not a profile (accepted: %s)", v,
                        cloud_profile_list());
    for (const char *const *k = ini_keys(ld->ini, g); *k && !p; k++)
        if (g_str_has_prefix(*k, "bind."))
            return ini_fail(ld->ini, error, g, *k,
                            "bindings need a cloud profile (profile = aws, alibaba, ...)");
    if (!p)
        return TRUE;
    GError *e = NULL;
    if (!switch_set_vswitch(sw, p, &e))
        return fail_from(ld, error, g, "profile", e);
    g_string_append_printf(ld->canon, " %s/profile=%s", sw->name, p->name);
    return TRUE;
}

/* Every cloud switch's ports: the default binding of the NIC cabled to
 * each (cloud_default_binding), then its bind.portN key. */
static gboolean load_vswitch_bindings(Loader *ld, GError **error)
{
    for (guint i = 0; i < ld->sim->switches->len; i++) {
        Switch *sw = ld->sim->switches->pdata[i];
        if (!sw->vs)
            continue;
        g_autofree char *g = g_strdup_printf("switch %s", sw->name);
        for (int p = 0; p < sw->n_ports; p++) {
            SwitchBinding b;
            cloud_default_binding(ld->sim, sw, p, &b);
            g_autofree char *key = g_strdup_printf("bind.port%d", p + 1);
            const char *v = ini_get(ld->ini, g, key);
            GError *e = NULL;
            if (v && !cloud_parse_binding(v, &b, &e))
                return fail_from(ld, error, g, key, e);
            switch_vs_bind(sw, p + 1, &b);
        }
        for (const char *const *k = ini_keys(ld->ini, g); *k; k++) {
            guint64 n;
            if (g_str_has_prefix(*k, "bind.") &&
                (!g_str_has_prefix(*k, "bind.port") ||
                 !g_ascii_string_to_unsigned(*k + 9, 10, 1, (guint64)sw->n_ports, &n, NULL)))
                return ini_fail(ld->ini, error, g, *k, "no such port (bind.port1 to bind.port%d)",
                                sw->n_ports);
        }
    }
    return TRUE;
}

static gboolean load_switch(Loader *ld, const char *g, const char *name, GError **error)
{
    static const char *const keys[] = {
        "ports", "speed", "aging", "lacp_system", "lacp_system_priority", "profile", NULL};
    for (const char *const *k = ini_keys(ld->ini, g); *k; k++)
        if (!g_strv_contains(keys, *k) && !portchannel_name(*k) && !g_str_has_prefix(*k, "bind."))
            return ini_fail(ld->ini, error, g, *k,
                            "unknown key (accepted: ports, speed, aging, portchannel.NAME, "
                            "lacp_system, lacp_system_priority, profile, bind.portN)");
    uint64_t ports = 0, speed = UINT64_C(1000000000), aging = SWITCH_DEFAULT_AGING_PS;
    const char *v = ini_get(ld->ini, g, "ports");
    if (!v)
        return ini_fail(ld->ini, error, g, NULL, "'ports' is required (number of ports)");
    if (!get_uint(ld, g, "ports", v, 1, SCENARIO_MAX_PORTS, &ports, error))
        return FALSE;
    if ((v = ini_get(ld->ini, g, "speed")) && !get_rate(ld, g, "speed", v, &speed, error))
        return FALSE;
    if ((v = ini_get(ld->ini, g, "aging")) && !get_time(ld, g, "aging", v, &aging, error))
        return FALSE;
    if (ld->sim->switches->len >= SIM_MAX_SWITCHES)
        return ini_fail(ld->ini, error, g, NULL, "more than %d switches", SIM_MAX_SWITCHES);
    if (ld->sim->nics->len + ports > SIM_MAX_NICS)
        return ini_fail(ld->ini, error, g, "ports", "more than %d NICs and switch ports in all",
                        SIM_MAX_NICS);
    Switch *sw = switch_new(ld->sim, name, (int)ports, speed, aging);
    g_ptr_array_add(ld->sim->switches, sw);
    g_hash_table_insert(ld->switches, sw->name, sw);
    for (int i = 0; i < sw->n_ports; i++)
        g_ptr_array_add(ld->sim->nics, sw->ports[i]);
    if (!load_lacp_system(ld, g, sw, error) || !load_vswitch_profile(ld, g, sw, error))
        return FALSE;
    for (const char *const *k = ini_keys(ld->ini, g); *k; k++)
        if (portchannel_name(*k) && !load_portchannel(ld, g, *k, sw, error))
            return FALSE;
    return TRUE;
}

/* ---- [host NAME] --------------------------------------------------------- */

/* An interface name (NIC or bond) as the kernel's dev_valid_name takes it:
 * 1 to 15 bytes, no '/', ':' or white space; '.' is refused too, as it
 * separates host and interface in "host.ifname". */
static gboolean ifname_valid(const char *name)
{
    size_t n = strlen(name);
    return n >= 1 && n < 16 && strpbrk(name, "./: \t") == NULL;
}

#define IFNAME_RULE "1-15 characters without '.', '/', ':' or blanks"

static gboolean host_load_nic(Loader *ld, Host *h, const char *g, const char *key, GError **error)
{
    static const char *const opts[] = {"speed", "mac", "txqueuelen", NULL};
    const char *ifname = key + 4;
    if (!ifname_valid(ifname))
        return ini_fail(ld->ini, error, g, key, "interface name must be " IFNAME_RULE);
    if (host_find_nic(h, ifname))
        return ini_fail(ld->ini, error, g, key, "interface %s defined twice", ifname);
    if (h->n_nics >= HOST_MAX_NICS)
        return ini_fail(ld->ini, error, g, key, "more than %d NICs on one host", HOST_MAX_NICS);
    if (ld->sim->nics->len >= SIM_MAX_NICS)
        return ini_fail(ld->ini, error, g, key, "more than %d NICs and switch ports in all",
                        SIM_MAX_NICS);
    g_autoptr(GHashTable) kv = kv_parse(ld, g, key, ini_get(ld->ini, g, key), opts, error);
    if (!kv)
        return FALSE;
    uint64_t speed = UINT64_C(1000000000), qlen = NIC_DEFAULT_TXQUEUELEN;
    uint8_t mac[6] = {
        0x02, 0x00, 0x00, (uint8_t)ld->sim->hosts->len, 0x00, (uint8_t)(h->n_nics + 1)};
    const char *v;
    GError *e = NULL;
    if ((v = g_hash_table_lookup(kv, "speed")) && !get_rate(ld, g, key, v, &speed, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "mac")) && !units_parse_mac(v, mac, &e))
        return fail_from(ld, error, g, key, e);
    if ((v = g_hash_table_lookup(kv, "txqueuelen")) &&
        !get_uint(ld, g, key, v, 1, 1000000, &qlen, error))
        return FALSE;
    Nic *nic = host_add_nic(h, ifname, mac, speed);
    nic->q_limit = (uint32_t)qlen;
    g_ptr_array_add(ld->sim->nics, nic);
    return TRUE;
}

static gboolean bond_load_slaves(Loader *ld, Host *h, Bond *b, const char *g, GError **error)
{
    g_autofree char *key = g_strdup_printf("bond.%s.slaves", b->name);
    const char *v = ini_get(ld->ini, g, key);
    if (!v)
        return ini_fail(ld->ini, error, g, NULL, "bond %s has no '%s' key", b->name, key);
    g_auto(GStrv) names = g_strsplit_set(v, " \t,", -1);
    for (int i = 0; names[i]; i++) {
        if (!names[i][0])
            continue;
        Nic *nic = host_find_nic(h, names[i]);
        if (!nic)
            return ini_fail(ld->ini, error, g, key, "no NIC '%s' on host %s (define nic.%s)",
                            names[i], h->name, names[i]);
        if (nic->owner)
            return ini_fail(ld->ini, error, g, key, "%s is already enslaved", names[i]);
        if (b->n_slaves >= BOND_MAX_SLAVES)
            return ini_fail(ld->ini, error, g, key, "more than %d slaves", BOND_MAX_SLAVES);
        g_autofree char *pkey = g_strdup_printf("bond.%s.prio.%s", b->name, names[i]);
        const char *pv = ini_get(ld->ini, g, pkey);
        gint64 prio = 0;
        if (pv && !g_ascii_string_to_signed(pv, 10, G_MININT32, G_MAXINT32, &prio, NULL))
            return ini_fail(ld->ini, error, g, pkey,
                            "'%s' is not a prio (a 32-bit signed "
                            "integer)",
                            pv);
        bond_enslave(ld->sim, b, nic, (int32_t)prio);
        g_hash_table_insert(ld->bond_of, nic, b);
    }
    if (b->n_slaves == 0)
        return ini_fail(ld->ini, error, g, key, "a bond needs at least one slave");
    if (b->p.primary[0] && !b->primary)
        return ini_fail(ld->ini, error, g, NULL, "bond %s: primary %s is not one of its slaves",
                        b->name, b->p.primary);
    return TRUE;
}

/* ScenarioOptions.force_mode (bondsim compare): the bond runs in the forced
 * mode; options the kernel refuses there are dropped with one warning naming
 * them, then the new mode's cross-option rules apply (their warnings added
 * once: the first parse may have given the same). */
static gboolean bond_force_mode(Loader *ld, BondParams *p, GPtrArray *warnings, GError **error)
{
    if (!ld->opts->force_mode)
        return TRUE;
    BondMode was = p->mode;
    g_autoptr(GPtrArray) dropped = g_ptr_array_new();
    if (bond_params_force_mode(p, ld->opts->mode, dropped) > 0) {
        g_ptr_array_add(dropped, NULL);
        g_autofree char *names = g_strjoinv(", ", (char **)dropped->pdata);
        g_ptr_array_add(warnings, g_strdup_printf("mode forced from %s to %s: dropped %s (not "
                                                  "valid in %s)",
                                                  bond_mode_name(was), bond_mode_name(p->mode),
                                                  names, bond_mode_name(p->mode)));
    }
    g_autoptr(GPtrArray) more = g_ptr_array_new_with_free_func(g_free);
    if (!bond_params_finish(p, more, error))
        return FALSE;
    for (guint i = 0; i < more->len; i++)
        if (!g_ptr_array_find_with_equal_func(warnings, more->pdata[i], g_str_equal, NULL))
            g_ptr_array_add(warnings, g_strdup(more->pdata[i]));
    return TRUE;
}

static gboolean host_load_bond(Loader *ld, Host *h, const char *g, const char *key, GError **error)
{
    const char *name = key + 5;
    if (!ifname_valid(name))
        return ini_fail(ld->ini, error, g, key, "bond name must be " IFNAME_RULE);
    if (host_find_nic(h, name) || host_find_iface(h, name))
        return ini_fail(ld->ini, error, g, key, "name %s already used on host %s", name, h->name);
    BondParams p;
    bond_params_defaults(&p);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    GError *e = NULL;
    if (!bond_params_parse(&p, ini_get(ld->ini, g, key), warnings, &e) ||
        !bond_force_mode(ld, &p, warnings, &e) || !bond_params_check_modelled(&p, &e))
        return fail_from(ld, error, g, key, e);
    for (guint i = 0; i < warnings->len; i++) {
        /* located as errors are: "file:line: [group] key:" or "file: --set ..." */
        GError *w = NULL;
        ini_fail(ld->ini, &w, g, key, "warning: %s", (char *)warnings->pdata[i]);
        if (ld->opts->warnings)
            g_ptr_array_add(ld->opts->warnings, g_strdup(w->message));
        else
            g_printerr("%s\n", w->message);
        g_error_free(w);
    }
    Bond *b = bond_new(ld->sim, h, name, &p);
    g_ptr_array_add(ld->sim->bonds, b);
    if (!bond_load_slaves(ld, h, b, g, error))
        return FALSE;
    g_autofree char *canon = bond_params_to_string(&b->p);
    g_string_append_printf(ld->canon, " %s/%s=[%s]", h->name, name, canon);
    return TRUE;
}

/* The interface an addr.IF or addr6.IF key names (`ifname`), or NULL after
 * setting `error`. */
static Iface *addr_iface(Loader *ld, Host *h, const char *g, const char *key, const char *ifname,
                         GError **error)
{
    Iface *ifc = host_find_iface(h, ifname);
    if (!ifc)
        ini_fail(ld->ini, error, g, key,
                 "no interface %s on host %s (a NIC that is not a bond slave, or a bond)", ifname,
                 h->name);
    return ifc;
}

static gboolean host_load_addr(Loader *ld, Host *h, const char *g, const char *key, GError **error)
{
    const char *ifname = key + 5;
    Iface *ifc = addr_iface(ld, h, g, key, ifname, error);
    if (!ifc)
        return FALSE;
    if (ifc->has_ip)
        return ini_fail(ld->ini, error, g, key, "%s has an address already", ifname);
    uint8_t ip[4];
    int plen;
    GError *e = NULL;
    if (!units_parse_ipv4_cidr(ini_get(ld->ini, g, key), ip, &plen, &e))
        return fail_from(ld, error, g, key, e);
    host_set_address(ifc, ip, plen);
    return TRUE;
}

/* The words of a route after its destination: "via GW", "dev IF", "metric
 * N" in any order (IPv4 when gw4 is given, else IPv6 into gw6). *ifc and
 * *metric are left alone when not given. Shared by route.X and route6.X. */
static gboolean route_words(Loader *ld, Host *h, const char *g, const char *key, char **tok,
                            uint8_t *gw4, uint8_t *gw6, bool *has_gw, Iface **ifc, uint64_t *metric,
                            GError **error)
{
    *has_gw = false;
    for (int i = 0; tok[i]; i++) {
        if (!tok[i][0])
            continue;
        if (!tok[i + 1] || !tok[i + 1][0])
            return ini_fail(ld->ini, error, g, key,
                            "'%s' needs a value (via ADDR, dev IF, metric N)", tok[i]);
        const char *word = tok[i], *arg = tok[++i];
        GError *e = NULL;
        if (strcmp(word, "via") == 0 && gw4) {
            if (!units_parse_ipv4(arg, gw4, &e))
                return fail_from(ld, error, g, key, e);
            *has_gw = true;
        } else if (strcmp(word, "via") == 0) {
            if (!ipv6_parse(arg, gw6) || ipv6_is_multicast(gw6) || ipv6_is_unspecified(gw6))
                return ini_fail(ld->ini, error, g, key,
                                "'%s' is not a unicast IPv6 address (e.g. fe80::1 or "
                                "2001:db8::fe)",
                                arg);
            *has_gw = true;
        } else if (strcmp(word, "dev") == 0) {
            if (!(*ifc = host_find_iface(h, arg)))
                return ini_fail(ld->ini, error, g, key, "no interface %s on host %s", arg, h->name);
        } else if (strcmp(word, "metric") == 0) {
            if (!get_uint(ld, g, key, arg, 0, UINT32_MAX, metric, error))
                return FALSE;
        } else {
            return ini_fail(ld->ini, error, g, key,
                            "unknown word '%s' (accepted: via, dev, metric)", word);
        }
    }
    return TRUE;
}

/* "via 10.0.0.254 [dev bond0] [metric 100]" or "dev eth1 [metric N]" after
 * the destination `dst` ("default" or NET/LEN), into `r`. A route to add
 * (`add`) needs its interface: given, or the one whose subnet holds the
 * gateway. Shared by route.X keys and the route faults. */
static gboolean route_parse(Loader *ld, Host *h, const char *g, const char *key, const char *dst,
                            char **tok, bool add, SimRouteChange *r, GError **error)
{
    uint8_t *net = r->dst, *gw = r->gw;
    memset(net, 0, 4);
    r->prefix_len = 0;
    r->host = h;
    GError *e = NULL;
    if (strcmp(dst, "default") != 0 && !units_parse_ipv4_cidr(dst, net, &r->prefix_len, &e))
        return fail_from(ld, error, g, key, e);
    bool has_gw = false;
    Iface *ifc = NULL;
    uint64_t metric = 0;
    if (!route_words(ld, h, g, key, tok, gw, NULL, &has_gw, &ifc, &metric, error))
        return FALSE;
    r->has_gw = has_gw;
    r->metric = (uint32_t)metric;
    if (!add)
        return TRUE;
    if (!ifc && has_gw) /* the interface whose subnet holds the gateway */
        for (int i = 0; i < h->n_ifaces && !ifc; i++) {
            Iface *c = h->ifaces[i];
            uint32_t m = c->prefix_len ? 0xffffffffu << (32 - c->prefix_len) : 0;
            if (c->has_ip && ((get_be32(c->ip) ^ get_be32(gw)) & m) == 0)
                ifc = c;
        }
    if (!ifc)
        return ini_fail(ld->ini, error, g, key,
                        has_gw ? "gateway is in no subnet of host %s "
                                 "(give 'dev IF')"
                               : "route needs 'via ADDR' or 'dev IF'",
                        h->name);
    r->iface = ifc;
    return TRUE;
}

/* route.X = ROUTE[, ROUTE...]: several routes to one destination (default
 * routes through two uplinks with different metrics). */
static gboolean host_load_route(Loader *ld, Host *h, const char *g, const char *key, GError **error)
{
    g_auto(GStrv) routes = g_strsplit(ini_get(ld->ini, g, key), ",", -1);
    for (int i = 0; routes[i]; i++) {
        g_auto(GStrv) tok = g_strsplit_set(g_strstrip(routes[i]), " \t", -1);
        SimRouteChange r;
        if (!route_parse(ld, h, g, key, key + 6, tok, true, &r, error))
            return FALSE;
        if (!host_add_route(h, r.dst, r.prefix_len, r.has_gw ? r.gw : NULL, r.iface, r.metric))
            return ini_fail(ld->ini, error, g, key, "more than %d routes", HOST_MAX_ROUTES);
    }
    return TRUE;
}

/* "2001:db8::1/64 [2001:db8:1::1/64 ...]" or "link-local": IPv6 on, with the
 * EUI-64 link-local derived from the interface's MAC (a bond's: the bond
 * MAC, known here since slaves are enslaved first). */
static gboolean host_load_addr6(Loader *ld, Host *h, const char *g, const char *key, GError **error)
{
    const char *ifname = key + 6;
    Iface *ifc = addr_iface(ld, h, g, key, ifname, error);
    if (!ifc)
        return FALSE;
    g_auto(GStrv) tok = g_strsplit_set(ini_get(ld->ini, g, key), " \t,", -1);
    int given = 0;
    for (int i = 0; tok[i]; i++) {
        if (!tok[i][0])
            continue;
        given++;
        if (strcmp(tok[i], "link-local") == 0) {
            ipv6_enable(ifc);
            continue;
        }
        uint8_t a[16];
        int plen;
        if (!ipv6_parse_cidr(tok[i], a, &plen))
            return ini_fail(ld->ini, error, g, key,
                            "'%s' is not an IPv6 address with a prefix length (e.g. "
                            "2001:db8::1/64)",
                            tok[i]);
        if (ipv6_is_link_local(a) || ipv6_is_multicast(a) || ipv6_is_unspecified(a))
            return ini_fail(ld->ini, error, g, key,
                            "'%s': give a global address (the link-local address is derived "
                            "from the MAC; multicast and :: are no interface addresses)",
                            tok[i]);
        if (ifc->has_ip6 && ifc->n_addr6 >= IFACE_MAX_ADDR6)
            return ini_fail(ld->ini, error, g, key, "more than %d global IPv6 addresses on %s",
                            IFACE_MAX_ADDR6 - 1, ifname);
        if (!ipv6_add_address(ifc, a, plen))
            return ini_fail(ld->ini, error, g, key, "%s is given twice", tok[i]);
    }
    if (!given)
        return ini_fail(ld->ini, error, g, key,
                        "expected IPv6 addresses with a prefix length (e.g. 2001:db8::1/64) or "
                        "'link-local'");
    return TRUE;
}

/* The interface of an IPv6 gateway given without 'dev': for a link-local
 * gateway the host's only IPv6 interface, else the one whose prefix holds it. */
static Iface *route6_gateway_iface(Host *h, const uint8_t gw[16], bool *ambiguous)
{
    Iface *found = NULL;
    *ambiguous = false;
    for (int i = 0; i < h->n_ifaces; i++) {
        Iface *c = h->ifaces[i];
        if (!c->has_ip6)
            continue;
        if (ipv6_is_link_local(gw)) {
            *ambiguous = found != NULL;
            found = found ? found : c;
            continue;
        }
        for (int a = 1; a < c->n_addr6 && !found; a++)
            if (ipv6_prefix_match(gw, c->addr6[a].addr, c->addr6[a].prefix_len))
                found = c;
    }
    return *ambiguous ? NULL : found;
}

/* "via 2001:db8::fe [dev bond0] [metric 100]", "via fe80::1 [dev IF]" or
 * "dev eth1 [metric N]"; without a metric 1024, as `ip -6 route add`. */
static gboolean host_load_route6(Loader *ld, Host *h, const char *g, const char *key,
                                 GError **error)
{
    const char *dst = key + 7;
    uint8_t net[16] = {0}, gw[16];
    int plen = 0;
    if (strcmp(dst, "default") != 0 && !ipv6_parse_cidr(dst, net, &plen))
        return ini_fail(ld->ini, error, g, key,
                        "'%s' is neither 'default' nor an IPv6 prefix (e.g. 2001:db8:1::/64)", dst);
    g_auto(GStrv) tok = g_strsplit_set(ini_get(ld->ini, g, key), " \t", -1);
    bool has_gw = false;
    Iface *ifc = NULL;
    uint64_t metric = IP6_ROUTE_METRIC_USER;
    if (!route_words(ld, h, g, key, tok, NULL, gw, &has_gw, &ifc, &metric, error))
        return FALSE;
    bool ambiguous = false;
    if (!ifc && has_gw)
        ifc = route6_gateway_iface(h, gw, &ambiguous);
    if (!ifc)
        return ini_fail(ld->ini, error, g, key,
                        ambiguous ? "host %s has several IPv6 interfaces: a link-local gateway "
                                    "needs 'dev IF'"
                        : has_gw  ? "gateway is in no IPv6 prefix of host %s (give 'dev IF')"
                                  : "route needs 'via ADDR' or 'dev IF'",
                        h->name);
    if (!ifc->has_ip6)
        return ini_fail(ld->ini, error, g, key, "%s has no IPv6 address (add addr6.%s)", ifc->name,
                        ifc->name);
    if (!ipv6_add_route(h, net, plen, has_gw ? gw : NULL, ifc, (uint32_t)metric))
        return ini_fail(ld->ini, error, g, key, "more than %d IPv6 routes", HOST_MAX_ROUTES);
    return TRUE;
}

static gboolean load_host_phase(Loader *ld, Host *h, const char *g, const char *prefix,
                                gboolean (*fn)(Loader *, Host *, const char *, const char *,
                                               GError **),
                                GError **error)
{
    for (const char *const *k = ini_keys(ld->ini, g); *k; k++) {
        if (!g_str_has_prefix(*k, prefix))
            continue;
        /* bond.X.slaves and bond.X.prio.Y belong to bond.X */
        if (strcmp(prefix, "bond.") == 0 && strchr(*k + 5, '.'))
            continue;
        if (!fn(ld, h, g, *k, error))
            return FALSE;
    }
    return TRUE;
}

/* Keys of a [nat NAME] group beside the [host] ones (load_nat). */
static bool is_nat_key(const char *k)
{
    return strcmp(k, "inside") == 0 || strcmp(k, "outside") == 0 || strcmp(k, "eip") == 0 ||
           strcmp(k, "capacity") == 0 || g_str_has_prefix(k, "masquerade.") ||
           g_str_has_prefix(k, "timeout.");
}

/* "service = echo-ip udp/PORT": the IP-echo service (traffic/echo.h). */
static gboolean host_load_service(Loader *ld, Host *h, const char *g, GError **error)
{
    const char *v = ini_get(ld->ini, g, "service");
    if (!v)
        return TRUE;
    uint64_t port;
    g_auto(GStrv) tok = g_strsplit_set(v, " \t", -1);
    if (g_strv_length(tok) != 2 || strcmp(tok[0], "echo-ip") != 0 ||
        !g_str_has_prefix(tok[1], "udp/"))
        return ini_fail(ld->ini, error, g, "service", "'%s': accepted: echo-ip udp/PORT", v);
    if (!get_uint(ld, g, "service", tok[1] + 4, 1, 65535, &port, error))
        return FALSE;
    h->echo_udp_port = (uint16_t)port;
    return TRUE;
}

static gboolean host_check_keys(Loader *ld, Host *h, const char *g, GError **error)
{
    bool nat = h->nat != NULL;
    for (const char *const *k = ini_keys(ld->ini, g); *k; k++) {
        if (g_str_has_prefix(*k, "nic.") || g_str_has_prefix(*k, "addr.") ||
            g_str_has_prefix(*k, "route.") || g_str_has_prefix(*k, "addr6.") ||
            g_str_has_prefix(*k, "route6.") || strcmp(*k, "service") == 0 ||
            (nat && is_nat_key(*k)))
            continue;
        if (g_str_has_prefix(*k, "bond.")) {
            const char *rest = *k + 5;
            const char *dot = strchr(rest, '.');
            if (!dot)
                continue;
            g_autofree char *bname = g_strndup(rest, (gsize)(dot - rest));
            Iface *ifc = host_find_iface(h, bname);
            if (ifc && ifc->bond &&
                (strcmp(dot, ".slaves") == 0 || g_str_has_prefix(dot, ".prio.")))
                continue;
            if (!ifc || !ifc->bond)
                return ini_fail(ld->ini, error, g, *k,
                                "no bond %s on host %s (define "
                                "bond.%s = OPTIONS)",
                                bname, h->name, bname);
        }
        return ini_fail(ld->ini, error, g, *k,
                        "unknown key (accepted: nic.IF, bond.BOND, "
                        "bond.BOND.slaves, bond.BOND.prio.IF, addr.IF, route.default, "
                        "route.NET/LEN, addr6.IF, route6.default, route6.NET/LEN, service%s)",
                        nat ? ", inside, outside, masquerade.IF, eip, capacity, timeout.KIND" : "");
    }
    return TRUE;
}

static gboolean load_host_nat(Loader *ld, const char *g, const char *name, uint32_t nat,
                              GError **error);

static gboolean load_host(Loader *ld, const char *g, const char *name, GError **error)
{
    return load_host_nat(ld, g, name, 0, error);
}

/* A host, or the host of a [nat NAME] box (which gets its NatBox before its
 * keys are checked). */
static gboolean load_host_nat(Loader *ld, const char *g, const char *name, uint32_t nat,
                              GError **error)
{
    if (ld->sim->hosts->len >= SIM_MAX_HOSTS)
        return ini_fail(ld->ini, error, g, NULL, "more than %d hosts", SIM_MAX_HOSTS);
    Host *h = host_new(ld->sim, name);
    g_ptr_array_add(ld->sim->hosts, h);
    g_hash_table_insert(ld->hosts, h->name, h);
    if (nat) /* `nat`: the NAT's connection capacity, 0: a plain host */
        g_ptr_array_add(ld->sim->nats, nat_new(ld->sim, h, nat));
    if (!load_host_phase(ld, h, g, "nic.", host_load_nic, error) ||
        !load_host_phase(ld, h, g, "bond.", host_load_bond, error))
        return FALSE;
    for (int i = 0; i < h->n_nics; i++)
        if (!h->nics[i]->owner)
            host_add_iface_nic(h, h->nics[i]);
    if (!load_host_phase(ld, h, g, "addr.", host_load_addr, error) ||
        !load_host_phase(ld, h, g, "route.", host_load_route, error) ||
        !load_host_phase(ld, h, g, "addr6.", host_load_addr6, error) ||
        !load_host_phase(ld, h, g, "route6.", host_load_route6, error))
        return FALSE;
    if (h->n_nics == 0)
        return ini_fail(ld->ini, error, g, NULL,
                        "host %s has no NIC (add nic.eth0 = "
                        "speed=1G)",
                        name);
    return host_load_service(ld, h, g, error) && host_check_keys(ld, h, g, error);
}

/* ---- [nat NAME] ----------------------------------------------------------- */

static gboolean nat_load_sides(Loader *ld, NatBox *nat, const char *g, const char *key,
                               NatSide side, GError **error)
{
    const char *v = ini_get(ld->ini, g, key);
    if (!v)
        return ini_fail(ld->ini, error, g, NULL, "'%s' is required (%s = eth0 ...)", key, key);
    g_auto(GStrv) tok = g_strsplit_set(v, " \t,", -1);
    for (int i = 0; tok[i]; i++) {
        if (!tok[i][0])
            continue;
        Iface *ifc = host_find_iface(nat_host(nat), tok[i]);
        if (!ifc || !ifc->has_ip)
            return ini_fail(ld->ini, error, g, key, "no interface %s with an address on %s", tok[i],
                            nat_name(nat));
        if (nat_side(nat, ifc) != NAT_SIDE_NONE)
            return ini_fail(ld->ini, error, g, key, "%s is inside and outside", tok[i]);
        nat_set_side(nat, ifc, side);
    }
    return TRUE;
}

/* "eip = 10.0.1.10 -> 203.0.113.10, 10.0.2.10 -> 203.0.113.11" */
static gboolean nat_load_eips(Loader *ld, NatBox *nat, const char *g, GError **error)
{
    const char *v = ini_get(ld->ini, g, "eip");
    if (!v)
        return TRUE;
    g_auto(GStrv) pairs = g_strsplit(v, ",", -1);
    for (int i = 0; pairs[i]; i++) {
        g_auto(GStrv) ends = g_strsplit(pairs[i], "->", -1);
        uint8_t priv[4], pub[4];
        GError *e = NULL;
        if (g_strv_length(ends) != 2)
            return ini_fail(ld->ini, error, g, "eip", "'%s': expected PRIVATE -> PUBLIC",
                            g_strstrip(pairs[i]));
        if (!units_parse_ipv4(g_strstrip(ends[0]), priv, &e) ||
            !units_parse_ipv4(g_strstrip(ends[1]), pub, &e))
            return fail_from(ld, error, g, "eip", e);
        if (!nat_add_eip(nat, priv, pub))
            return ini_fail(ld->ini, error, g, "eip",
                            "%s -> %s: the private address has an EIP, the public one is "
                            "used, or more than %d public addresses",
                            ends[0], ends[1], NAT_MAX_PUBLIC);
    }
    return TRUE;
}

static gboolean nat_load_masquerade(Loader *ld, NatBox *nat, const char *g, const char *key,
                                    GError **error)
{
    Iface *ifc = host_find_iface(nat_host(nat), key + 11);
    if (!ifc || nat_side(nat, ifc) != NAT_SIDE_OUTSIDE)
        return ini_fail(ld->ini, error, g, key, "%s is no outside interface of %s", key + 11,
                        nat_name(nat));
    uint8_t pub[4];
    GError *e = NULL;
    if (!units_parse_ipv4(ini_get(ld->ini, g, key), pub, &e))
        return fail_from(ld, error, g, key, e);
    if (!nat_add_masquerade(nat, ifc, pub))
        return ini_fail(ld->ini, error, g, key,
                        "address used already, or more than %d public addresses", NAT_MAX_PUBLIC);
    return TRUE;
}

static gboolean nat_load_timeout(Loader *ld, NatTimeouts *t, const char *g, const char *key,
                                 GError **error)
{
    static const struct {
        const char *name;
        size_t off;
    } names[] = {
        {"udp", offsetof(NatTimeouts, udp_ps)},
        {"udp_stream", offsetof(NatTimeouts, udp_stream_ps)},
        {"icmp", offsetof(NatTimeouts, icmp_ps)},
        {"tcp_syn", offsetof(NatTimeouts, tcp_syn_ps)},
        {"tcp_established", offsetof(NatTimeouts, tcp_established_ps)},
        {"tcp_fin", offsetof(NatTimeouts, tcp_fin_ps)},
        {"tcp_rst", offsetof(NatTimeouts, tcp_rst_ps)},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(key + 8, names[i].name) == 0) {
            uint64_t *dst = (uint64_t *)(void *)((char *)t + names[i].off);
            return get_time(ld, g, key, ini_get(ld->ini, g, key), dst, error);
        }
    return ini_fail(ld->ini, error, g, key,
                    "unknown timeout (accepted: udp, udp_stream, icmp, tcp_syn, "
                    "tcp_established, tcp_fin, tcp_rst)");
}

static gboolean load_nat(Loader *ld, const char *g, const char *name, GError **error)
{
    uint64_t cap = NAT_DEFAULT_CAPACITY;
    const char *c = ini_get(ld->ini, g, "capacity");
    if (c && !get_uint(ld, g, "capacity", c, 1, NAT_MAX_CAPACITY, &cap, error))
        return FALSE;
    if (!load_host_nat(ld, g, name, (uint32_t)cap, error))
        return FALSE;
    NatBox *nat = ld->sim->nats->pdata[ld->sim->nats->len - 1];
    if (!nat_load_sides(ld, nat, g, "inside", NAT_SIDE_INSIDE, error) ||
        !nat_load_sides(ld, nat, g, "outside", NAT_SIDE_OUTSIDE, error) ||
        !nat_load_eips(ld, nat, g, error))
        return FALSE;
    NatTimeouts t;
    nat_timeouts_default(&t);
    for (const char *const *k = ini_keys(ld->ini, g); *k; k++) {
        if (g_str_has_prefix(*k, "masquerade.") && !nat_load_masquerade(ld, nat, g, *k, error))
            return FALSE;
        if (g_str_has_prefix(*k, "timeout.") && !nat_load_timeout(ld, &t, g, *k, error))
            return FALSE;
    }
    nat_set_timeouts(nat, &t);
    return TRUE;
}

/* ---- [links] ------------------------------------------------------------- */

static gboolean load_links(Loader *ld, const char *g, const char *name, GError **error)
{
    static const char *const opts[] = {"delay", "loss", NULL};
    if (name)
        return ini_fail(ld->ini, error, g, NULL, "[links] takes no name");
    for (const char *const *k = ini_keys(ld->ini, g); *k; k++) {
        const char *v = ini_get(ld->ini, g, *k);
        Nic *a = resolve_endpoint(ld, *k);
        if (!a)
            return ini_fail(ld->ini, error, g, *k,
                            "no such NIC or switch port (write "
                            "host.ifname or switch.portN)");
        g_auto(GStrv) tok = g_strsplit_set(v, " \t", 2);
        Nic *b = tok[0] ? resolve_endpoint(ld, tok[0]) : NULL;
        if (!b)
            return ini_fail(ld->ini, error, g, *k,
                            "'%s' is no NIC or switch port (write "
                            "host.ifname or switch.portN)",
                            tok[0] ? tok[0] : "");
        if (a == b || a->link || b->link)
            return ini_fail(ld->ini, error, g, *k, "%s is already cabled",
                            a->link || a == b ? a->name : b->name);
        g_autoptr(GHashTable) kv = kv_parse(ld, g, *k, tok[1] ? tok[1] : "", opts, error);
        if (!kv)
            return FALSE;
        uint64_t delay = 0;
        double loss = 0;
        GError *e = NULL;
        const char *o;
        if ((o = g_hash_table_lookup(kv, "delay")) && !get_time(ld, g, *k, o, &delay, error))
            return FALSE;
        if ((o = g_hash_table_lookup(kv, "loss")) && !units_parse_fraction(o, 0.0, 1.0, &loss, &e))
            return fail_from(ld, error, g, *k, e);
        g_ptr_array_add(ld->sim->links, link_new(ld->sim, a, b, delay, loss));
    }
    return TRUE;
}

/* ---- [traffic NAME] ------------------------------------------------------ */

/* The host's first IPv4 address (first interface that has one), or NULL. */
static const uint8_t *host_first_ip4(const Host *h)
{
    for (int i = 0; i < h->n_ifaces; i++)
        if (h->ifaces[i]->has_ip)
            return h->ifaces[i]->ip;
    return NULL;
}

static gboolean traffic_dst(Loader *ld, const char *g, const char *key, const char *text,
                            uint8_t ip[4], GError **error)
{
    Host *h = g_hash_table_lookup(ld->hosts, text);
    uint8_t ip6[16];
    if (!h && ipv6_parse(text, ip6))
        return ini_fail(ld->ini, error, g, key, "'%s' is an IPv6 address: write '%s6 = ...'", text,
                        key);
    if (!h)
        return units_parse_ipv4(text, ip, NULL) ||
               ini_fail(ld->ini, error, g, key, "'%s' is neither a host nor an IPv4 address", text);
    const uint8_t *a = host_first_ip4(h);
    if (!a)
        return ini_fail(ld->ini, error, g, key, "host %s has no address", text);
    memcpy(ip, a, 4);
    return TRUE;
}

/* udp6/ping6: a host stands for its first global IPv6 address (first
 * interface that has one, first address given). */
static gboolean traffic_dst6(Loader *ld, const char *g, const char *key, const char *text,
                             uint8_t ip6[16], GError **error)
{
    Host *h = g_hash_table_lookup(ld->hosts, text);
    if (!h)
        return ipv6_parse(text, ip6) ||
               ini_fail(ld->ini, error, g, key, "'%s' is neither a host nor an IPv6 address", text);
    for (int i = 0; i < h->n_ifaces; i++)
        if (h->ifaces[i]->has_ip6 && h->ifaces[i]->n_addr6 > 1) {
            memcpy(ip6, h->ifaces[i]->addr6[1].addr, 16);
            return TRUE;
        }
    return ini_fail(ld->ini, error, g, key,
                    "host %s has no global IPv6 address (add addr6.IF, or give an address)", text);
}

typedef struct {
    uint64_t start, stop, rate, interval, count;
    uint64_t size, sport, dport;
    /* UDP generators (traffic/flow.h) */
    FlowGen gen;
    uint64_t on, off;
    uint32_t sizes[64]; /* size=A,B,... or imix; n_sizes 0: `size` */
    uint32_t n_sizes;
    bool size_random, rtp;
    enum { VARY_SPORT, VARY_DPORT, VARY_SRC_IP, VARY_DST_IP } vary;
    /* explicit frames (flow.h, Flow.ex): need dst-mac */
    bool has_dst_mac, has_src_mac, has_src_ip;
    uint8_t dst_mac[6], src_mac[6], src_ip[4];
    uint64_t vlan; /* VID + 1, 0: untagged */
} TrafficSpec;

/* size=N | size=A,B,C (a list) | size=imix (FLOW_IMIX_PAYLOADS). */
static gboolean traffic_sizes(Loader *ld, const char *g, const char *key, const char *v,
                              TrafficSpec *t, GError **error)
{
    if (strcmp(v, "imix") == 0) {
        memcpy(t->sizes, FLOW_IMIX_PAYLOADS, sizeof(FLOW_IMIX_PAYLOADS));
        t->n_sizes = FLOW_IMIX_CYCLE;
        t->size = FLOW_IMIX_PAYLOADS[0];
        return TRUE;
    }
    if (!strchr(v, ','))
        return get_uint(ld, g, key, v, 0, FLOW_UDP_MAX_PAYLOAD, &t->size, error);
    g_auto(GStrv) parts = g_strsplit(v, ",", -1);
    if (g_strv_length(parts) > G_N_ELEMENTS(t->sizes))
        return ini_fail(ld->ini, error, g, key, "size list longer than %d",
                        (int)G_N_ELEMENTS(t->sizes));
    t->n_sizes = 0;
    for (int i = 0; parts[i]; i++) {
        uint64_t u;
        if (!get_uint(ld, g, key, parts[i], 0, FLOW_UDP_MAX_PAYLOAD, &u, error))
            return FALSE;
        t->sizes[t->n_sizes++] = (uint32_t)u;
    }
    t->size = t->sizes[0];
    return TRUE;
}

static gboolean get_on_off(Loader *ld, const char *g, const char *key, GHashTable *kv,
                           const char *opt, bool *out, GError **error);

/* The explicit frame of flow i (dst-mac given): vary=src-ip counts up from
 * src-ip or the source's own address, vary=dst-ip from the destination. */
static void traffic_explicit(const TrafficSpec *t, Host *src, uint64_t i, Flow *fl)
{
    fl->ex.on = true;
    memcpy(fl->ex.dst_mac, t->dst_mac, 6);
    memcpy(fl->ex.src_mac, t->src_mac, 6);
    fl->ex.has_src_mac = t->has_src_mac;
    fl->ex.has_vlan = t->vlan != 0;
    fl->ex.vlan_tci = (uint16_t)(t->vlan ? t->vlan - 1 : 0);
    fl->ex.has_src_ip = t->has_src_ip || t->vary == VARY_SRC_IP;
    Iface *ifc = host_route_iface(src, fl->dst_ip);
    if (t->has_src_ip)
        memcpy(fl->ex.src_ip, t->src_ip, 4);
    else if (ifc)
        memcpy(fl->ex.src_ip, ifc->ip, 4);
    if (t->vary == VARY_SRC_IP)
        put_be32(fl->ex.src_ip, get_be32(fl->ex.src_ip) + (uint32_t)i);
    if (t->vary == VARY_DST_IP)
        put_be32(fl->dst_ip, get_be32(fl->dst_ip) + (uint32_t)i);
}

/* gen=, on=, off=, sizes=, vary=, rtp= (UDP only; kv_parse refuses them for ping). */
static gboolean traffic_gen_options(Loader *ld, const char *g, const char *key, GHashTable *kv,
                                    TrafficSpec *t, GError **error)
{
    const char *v;
    if ((v = g_hash_table_lookup(kv, "gen"))) {
        if (strcmp(v, "constant") == 0)
            t->gen = FLOW_GEN_CONST;
        else if (strcmp(v, "poisson") == 0)
            t->gen = FLOW_GEN_POISSON;
        else if (strcmp(v, "onoff") == 0)
            t->gen = FLOW_GEN_ONOFF;
        else
            return ini_fail(ld->ini, error, g, key, "gen '%s': use constant, poisson or onoff", v);
    }
    if ((v = g_hash_table_lookup(kv, "on")) && !get_time(ld, g, key, v, &t->on, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "off")) && !get_time(ld, g, key, v, &t->off, error))
        return FALSE;
    if ((g_hash_table_contains(kv, "on") || g_hash_table_contains(kv, "off")) &&
        !g_hash_table_contains(kv, "gen"))
        t->gen = FLOW_GEN_ONOFF;
    if (t->gen == FLOW_GEN_ONOFF && (t->on == 0 || t->off == 0))
        return ini_fail(ld->ini, error, g, key, "gen=onoff needs on=TIME and off=TIME above 0");
    if (t->gen != FLOW_GEN_ONOFF && (t->on || t->off))
        return ini_fail(ld->ini, error, g, key, "on= and off= are for gen=onoff");
    if ((v = g_hash_table_lookup(kv, "sizes"))) {
        if (strcmp(v, "cycle") != 0 && strcmp(v, "random") != 0)
            return ini_fail(ld->ini, error, g, key, "sizes '%s': use cycle or random", v);
        if (t->n_sizes == 0)
            return ini_fail(ld->ini, error, g, key, "sizes= needs a size list or size=imix");
        t->size_random = strcmp(v, "random") == 0;
    }
    GError *e = NULL;
    if ((v = g_hash_table_lookup(kv, "dst-mac"))) {
        if (!units_parse_mac(v, t->dst_mac, &e))
            return fail_from(ld, error, g, key, e);
        t->has_dst_mac = true;
    }
    if ((v = g_hash_table_lookup(kv, "src-mac"))) {
        if (!units_parse_mac(v, t->src_mac, &e))
            return fail_from(ld, error, g, key, e);
        t->has_src_mac = true;
    }
    if ((v = g_hash_table_lookup(kv, "src-ip"))) {
        if (!units_parse_ipv4(v, t->src_ip, &e))
            return fail_from(ld, error, g, key, e);
        t->has_src_ip = true;
    }
    if ((v = g_hash_table_lookup(kv, "vlan"))) {
        if (!get_uint(ld, g, key, v, 0, 4094, &t->vlan, error))
            return FALSE;
        t->vlan++;
    }
    if ((v = g_hash_table_lookup(kv, "proto")) && strcmp(v, "udp") != 0)
        return ini_fail(ld->ini, error, g, key, "proto '%s': only udp is generated", v);
    if ((v = g_hash_table_lookup(kv, "vary"))) {
        static const char *const vary[] = {"sport", "dport", "src-ip", "dst-ip", NULL};
        int i = 0;
        while (vary[i] && strcmp(vary[i], v) != 0)
            i++;
        if (!vary[i])
            return ini_fail(ld->ini, error, g, key, "vary '%s': use sport, dport, src-ip or dst-ip",
                            v);
        t->vary = i;
    }
    if ((t->has_src_mac || t->has_src_ip || t->vlan || t->vary >= VARY_SRC_IP) && !t->has_dst_mac)
        return ini_fail(ld->ini, error, g, key,
                        "src-mac, src-ip, vlan and vary=src-ip|dst-ip make explicit frames, "
                        "sent without ARP: give dst-mac too");
    if (t->dport + (t->vary == VARY_DPORT ? t->count - 1 : 0) > 65535 ||
        t->sport + (t->vary == VARY_SPORT ? t->count - 1 : 0) > 65535)
        return ini_fail(ld->ini, error, g, key, "port + flows goes past port 65535");
    if (!get_on_off(ld, g, key, kv, "rtp", &t->rtp, error))
        return FALSE;
    for (uint32_t i = 0; t->rtp && i < MAX(t->n_sizes, 1u); i++)
        if ((t->n_sizes ? t->sizes[i] : t->size) < FLOW_RTP_HLEN)
            return ini_fail(ld->ini, error, g, key, "rtp=on needs every size to be at least %d",
                            FLOW_RTP_HLEN);
    return TRUE;
}

static gboolean traffic_options(Loader *ld, const char *g, const char *key, GHashTable *kv,
                                TrafficSpec *t, GError **error)
{
    const char *v;
    if ((v = g_hash_table_lookup(kv, "start")) && !get_time(ld, g, key, v, &t->start, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "stop")) && !get_time(ld, g, key, v, &t->stop, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "rate")) && !get_flow_rate(ld, g, key, v, &t->rate, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "interval")) && !get_time(ld, g, key, v, &t->interval, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "flows")) &&
        !get_uint(ld, g, key, v, 1, 4096, &t->count, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "size")) && !traffic_sizes(ld, g, key, v, t, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "sport")) &&
        !get_uint(ld, g, key, v, 1, 65535, &t->sport, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "dport")) &&
        !get_uint(ld, g, key, v, 1, 65535, &t->dport, error))
        return FALSE;
    if (t->stop <= t->start)
        return ini_fail(ld->ini, error, g, key, "stop must be after start");
    if (t->interval == 0)
        return ini_fail(ld->ini, error, g, key, "interval must be above 0");
    return TRUE;
}

/* The host owning an IPv4 address (a TCP connection needs its far end). An
 * address no host owns may be an EIP of a [nat] box: the far end is then
 * the host owning the private address it is bound to (*via gets the box),
 * and the connection runs through the box's DNAT and SNAT. NULL when
 * nothing owns or maps it; *masq then names a box that has it as a
 * masquerade address (outbound only), if one does. */
static Host *tcp_host_by_ip(Loader *ld, const uint8_t ip[4], NatBox **via, NatBox **masq)
{
    *via = *masq = NULL;
    uint8_t want[4], priv[4];
    memcpy(want, ip, 4);
    /* pass 0: the address itself; then each EIP's private address (one NAT
     * on the way: an EIP bound to another EIP is not followed) */
    for (guint n = 0; n <= ld->sim->nats->len; n++) {
        NatBox *nat = n ? ld->sim->nats->pdata[n - 1] : NULL;
        if (nat) {
            NatPublicKind k = nat_public_kind(nat, ip, priv);
            if (k == NAT_PUBLIC_MASQUERADE && !*masq)
                *masq = nat;
            if (k != NAT_PUBLIC_EIP)
                continue;
            memcpy(want, priv, 4);
        }
        for (guint i = 0; i < ld->sim->hosts->len; i++) {
            Host *h = ld->sim->hosts->pdata[i];
            for (int j = 0; j < h->n_ifaces; j++)
                if (h->ifaces[j]->has_ip && memcmp(h->ifaces[j]->ip, want, 4) == 0) {
                    *via = nat;
                    return h;
                }
        }
    }
    return NULL;
}

static gboolean get_on_off(Loader *ld, const char *g, const char *key, GHashTable *kv,
                           const char *opt, bool *out, GError **error)
{
    const char *v = g_hash_table_lookup(kv, opt);
    if (!v)
        return TRUE;
    if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
        return ini_fail(ld->ini, error, g, key, "%s '%s': use on or off", opt, v);
    *out = strcmp(v, "on") == 0;
    return TRUE;
}

static gboolean tcp_options(Loader *ld, const char *g, GHashTable *kv, TcpParams *p,
                            uint64_t *count, GError **error)
{
    const char *key = "tcp", *v;
    uint64_t u;
    GError *e = NULL;
    if ((v = g_hash_table_lookup(kv, "bytes")) && !units_parse_size(v, &p->bytes, &e))
        return fail_from(ld, error, g, key, e);
    if (v && p->bytes == 0)
        return ini_fail(ld->ini, error, g, key, "bytes must be above 0");
    if ((v = g_hash_table_lookup(kv, "start")) && !get_time(ld, g, key, v, &p->start_ps, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "stop")) && !get_time(ld, g, key, v, &p->stop_ps, error))
        return FALSE;
    if (p->bytes && g_hash_table_contains(kv, "stop"))
        return ini_fail(ld->ini, error, g, key,
                        "give bytes= (a transfer) or stop= (a duration), "
                        "not both");
    if ((v = g_hash_table_lookup(kv, "mss"))) {
        if (!get_uint(ld, g, key, v, TCP_MIN_MSS, TCP_MAX_MSS, &u, error))
            return FALSE;
        p->mss = (uint32_t)u;
    }
    if ((v = g_hash_table_lookup(kv, "window"))) {
        if (!units_parse_size(v, &u, &e))
            return fail_from(ld, error, g, key, e);
        if (u < p->mss || u > TCP_MAX_WINDOW)
            return ini_fail(ld->ini, error, g, key, "window %s is outside mss to %u bytes", v,
                            TCP_MAX_WINDOW);
        p->window = (uint32_t)u;
    }
    if ((v = g_hash_table_lookup(kv, "rto_min"))) {
        if (!get_time(ld, g, key, v, &p->rto_min_ps, error))
            return FALSE;
        if (p->rto_min_ps < PS_PER_MS || p->rto_min_ps > TCP_RTO_MAX_PS)
            return ini_fail(ld->ini, error, g, key, "rto_min %s is outside 1ms to 120s", v);
    }
    if (!get_on_off(ld, g, key, kv, "sack", &p->sack, error) ||
        !get_on_off(ld, g, key, kv, "delack", &p->delack, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "flows")) && !get_uint(ld, g, key, v, 1, 256, count, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "sport"))) {
        if (!get_uint(ld, g, key, v, 1, 65535, &u, error))
            return FALSE;
        p->sport = (uint16_t)u;
    }
    if ((v = g_hash_table_lookup(kv, "dport"))) {
        if (!get_uint(ld, g, key, v, 1, 65535, &u, error))
            return FALSE;
        p->dport = (uint16_t)u;
    }
    if (p->sport + *count - 1 > 65535)
        return ini_fail(ld->ini, error, g, key, "sport + flows goes past port 65535");
    if (p->start_ps >= ld->sim->end_ps || (!p->bytes && p->stop_ps <= p->start_ps))
        return ini_fail(ld->ini, error, g, key, "start must be before stop and the end of the run");
    return TRUE;
}

/* tcp = SRC -> DST [bytes=N | stop=T] [start=] [mss=] [window=] [sack=on|off]
 *       [delack=on|off] [rto_min=] [flows=N] [sport=] [dport=]  (traffic/tcp.h) */
static gboolean load_tcp(Loader *ld, const char *g, const char *name, GError **error)
{
    static const char *const opts[] = {"bytes",  "start",   "stop",  "mss",   "window", "sack",
                                       "delack", "rto_min", "flows", "sport", "dport",  NULL};
    const char *key = "tcp";
    g_auto(GStrv) tok = g_strsplit_set(ini_get(ld->ini, g, key), " \t", 4);
    if (!tok[0] || !tok[1] || !tok[2] || strcmp(tok[1], "->") != 0)
        return ini_fail(ld->ini, error, g, key, "expected 'SRC -> DST [option=value ...]'");
    Host *src = g_hash_table_lookup(ld->hosts, tok[0]);
    if (!src)
        return ini_fail(ld->ini, error, g, key, "no host '%s'", tok[0]);
    if (!host_first_ip4(src)) /* the client end's address (tcp_conn_new) */
        return ini_fail(ld->ini, error, g, key, "host %s has no IPv4 address (add addr.IF)",
                        src->name);
    uint8_t dst[4];
    if (!traffic_dst(ld, g, key, tok[2], dst, error))
        return FALSE;
    NatBox *via, *masq;
    Host *dh = tcp_host_by_ip(ld, dst, &via, &masq);
    if (!dh && masq)
        return ini_fail(ld->ini, error, g, key,
                        "'%s' is a masquerade address of nat %s: outbound only, nothing from "
                        "outside reaches a host through it (give an EIP, eip = PRIV -> PUB)",
                        tok[2], nat_name(masq));
    if (!dh)
        return ini_fail(ld->ini, error, g, key,
                        "'%s' is no other host of the scenario, nor an EIP of a [nat] box "
                        "bound to one (TCP needs both ends)",
                        tok[2]);
    if (dh == src)
        return ini_fail(ld->ini, error, g, key,
                        "'%s' is no other host of the scenario: it is %s's own address%s%s "
                        "(TCP needs both ends)",
                        tok[2], src->name, via ? " through an EIP of nat " : "",
                        via ? nat_name(via) : "");
    g_autoptr(GHashTable) kv = kv_parse(ld, g, key, tok[3] ? tok[3] : "", opts, error);
    if (!kv)
        return FALSE;
    TcpParams p;
    tcp_params_defaults(&p);
    p.stop_ps = ld->sim->end_ps;
    uint64_t count = 1;
    if (!tcp_options(ld, g, kv, &p, &count, error))
        return FALSE;
    uint16_t sport = p.sport;
    for (uint64_t i = 0; i < count; i++) {
        g_autofree char *cname =
            count > 1 ? g_strdup_printf("%s#%" G_GUINT64_FORMAT, name, i + 1) : g_strdup(name);
        p.sport = (uint16_t)(sport + i);
        TcpConn *c = tcp_conn_new(ld->sim, cname, src, dh, dst, &p);
        if (!c)
            return ini_fail(ld->ini, error, g, key,
                            "ports %u -> %u are used by another "
                            "connection between these hosts",
                            p.sport, p.dport);
        c->dst_name = g_strdup(tok[2]);
        tcp_conn_start(ld->sim, c);
    }
    return TRUE;
}

/* Rewrite mode: to= (a host: its address of the capture's family) and the
 * source address, the stack's towards it from `iface` or the routed one. */
static gboolean replay_target(Loader *ld, const char *g, const char *key, Replay *r, Host *src,
                              Iface **ifc, const char *to, GError **error)
{
    uint8_t a[16];
    int fam = g_hash_table_contains(ld->hosts, to) ? r->family
              : ipv6_parse(to, a)                  ? 6
              : units_parse_ipv4(to, a, NULL)      ? 4
                                                   : r->family;
    GError *e = NULL;
    if (!replay_check_family(r, fam, to, &e))
        return fail_from(ld, error, g, key, e);
    if (r->family == 6) {
        if (!traffic_dst6(ld, g, key, to, r->dst_ip, error))
            return FALSE;
        if (!*ifc)
            *ifc = ipv6_route_iface(src, r->dst_ip);
        if (!*ifc || !(*ifc)->has_ip6)
            return ini_fail(ld->ini, error, g, key, "host %s has no IPv6 route to %s", src->name,
                            to);
        memcpy(r->src_ip, ipv6_select_source(*ifc, r->dst_ip), 16);
        return TRUE;
    }
    if (!traffic_dst(ld, g, key, to, r->dst_ip, error))
        return FALSE;
    if (!*ifc)
        *ifc = host_route_iface(src, r->dst_ip);
    if (!*ifc || !(*ifc)->has_ip)
        return ini_fail(ld->ini, error, g, key, "host %s has no route with an address to %s",
                        src->name, to);
    memcpy(r->src_ip, (*ifc)->ip, 4);
    return TRUE;
}

/* replay = FILE from=HOST [to=HOST|IP] [iface=IF] [mode=rewrite|raw] [speed=X]
 *          [loop=N] [start=T]  (traffic/replay.h; FILE relative to the scenario) */
static gboolean load_replay(Loader *ld, const char *g, const char *name, GError **error)
{
    static const char *const opts[] = {"from",  "to",   "iface", "mode",
                                       "speed", "loop", "start", NULL};
    const char *key = "replay", *v;
    g_auto(GStrv) tok = g_strsplit_set(ini_get(ld->ini, g, key), " \t", 2);
    if (!tok[0] || !tok[0][0] || strchr(tok[0], '='))
        return ini_fail(ld->ini, error, g, key,
                        "expected 'FILE from=HOST [to=HOST|IP] [iface=IF] [mode=rewrite|raw] "
                        "[speed=X] [loop=N] [start=T]'");
    g_autoptr(GHashTable) kv = kv_parse(ld, g, key, tok[1] ? tok[1] : "", opts, error);
    if (!kv)
        return FALSE;
    Host *src = NULL;
    if (!(v = g_hash_table_lookup(kv, "from")) || !(src = g_hash_table_lookup(ld->hosts, v)))
        return ini_fail(ld->ini, error, g, key, "from=HOST is required (a host of the scenario)");
    ReplayMode mode = REPLAY_REWRITE;
    if ((v = g_hash_table_lookup(kv, "mode"))) {
        if (strcmp(v, "raw") == 0)
            mode = REPLAY_RAW;
        else if (strcmp(v, "rewrite") != 0)
            return ini_fail(ld->ini, error, g, key, "mode '%s': use rewrite or raw", v);
    }
    Iface *ifc = NULL;
    if ((v = g_hash_table_lookup(kv, "iface")) && !(ifc = host_find_iface(src, v)))
        return ini_fail(ld->ini, error, g, key, "no interface %s on host %s", v, src->name);
    if (mode == REPLAY_RAW) {
        if (!ifc)
            return ini_fail(ld->ini, error, g, key, "mode=raw needs iface=IF");
        if (g_hash_table_contains(kv, "to"))
            return ini_fail(ld->ini, error, g, key, "to= is for mode=rewrite (raw sends as is)");
    } else if (!g_hash_table_contains(kv, "to")) {
        return ini_fail(ld->ini, error, g, key, "mode=rewrite needs to=HOST|IP");
    }
    double speed = 1.0;
    if ((v = g_hash_table_lookup(kv, "speed"))) {
        char *end = NULL;
        speed = g_ascii_strtod(v, &end);
        if (!end || *end || !(speed >= 0.001 && speed <= 1000.0))
            return ini_fail(ld->ini, error, g, key, "speed '%s' is outside 0.001 to 1000", v);
    }
    uint64_t loops = 1, start = 0;
    if ((v = g_hash_table_lookup(kv, "loop")) &&
        !get_uint(ld, g, key, v, 1, 1000000, &loops, error))
        return FALSE;
    if ((v = g_hash_table_lookup(kv, "start")) && !get_time(ld, g, key, v, &start, error))
        return FALSE;
    if (start >= ld->sim->end_ps)
        return ini_fail(ld->ini, error, g, key, "start must be before the end of the run");
    g_autofree char *dir = g_path_get_dirname(ini_file_name(ld->ini));
    g_autofree char *path =
        g_path_is_absolute(tok[0]) ? g_strdup(tok[0]) : g_build_filename(dir, tok[0], NULL);
    GError *e = NULL;
    Replay *r = replay_load(name, path, mode, &e);
    if (!r)
        return fail_from(ld, error, g, key, e);
    if (mode == REPLAY_REWRITE &&
        !replay_target(ld, g, key, r, src, &ifc, g_hash_table_lookup(kv, "to"), error)) {
        replay_free(r);
        return FALSE;
    }
    r->src = src;
    r->iface = ifc;
    r->speed = speed;
    r->loops = loops;
    r->start_ps = start;
    g_ptr_array_add(ld->sim->replays, r);
    return TRUE;
}

static gboolean load_traffic(Loader *ld, const char *g, const char *name, GError **error)
{
    const char *const *k0 = ini_keys(ld->ini, g);
    if (k0[0] && !k0[1] && strcmp(k0[0], "tcp") == 0)
        return load_tcp(ld, g, name, error);
    if (k0[0] && !k0[1] && strcmp(k0[0], "replay") == 0)
        return load_replay(ld, g, name, error);
    static const char *const udp_opts[] = {
        "rate",  "size", "start", "stop",    "flows",   "sport",  "dport", "gen",   "on", "off",
        "sizes", "vary", "rtp",   "dst-mac", "src-mac", "src-ip", "vlan",  "proto", NULL};
    static const char *const ping_opts[] = {"interval", "size", "start", "stop", NULL};
    static const char *const kinds[] = {"udp", "ping", "udp6", "ping6", NULL};
    const char *const *keys = ini_keys(ld->ini, g);
    if (!keys[0] || keys[1] || !g_strv_contains(kinds, keys[0]))
        return ini_fail(ld->ini, error, g, keys[0],
                        "a [traffic] group holds one key: 'udp = "
                        "SRC -> DST options', 'ping = SRC -> DST options' or 'tcp = SRC -> "
                        "DST options' (IPv6: udp6, ping6) or 'replay = FILE from=HOST options'");
    const char *key = keys[0];
    bool udp = g_str_has_prefix(key, "udp");
    bool v6 = g_str_has_suffix(key, "6");
    g_auto(GStrv) tok = g_strsplit_set(ini_get(ld->ini, g, key), " \t", 4);
    if (!tok[0] || !tok[1] || !tok[2] || strcmp(tok[1], "->") != 0)
        return ini_fail(ld->ini, error, g, key, "expected 'SRC -> DST [option=value ...]'");
    Host *src = g_hash_table_lookup(ld->hosts, tok[0]);
    if (!src)
        return ini_fail(ld->ini, error, g, key, "no host '%s'", tok[0]);
    uint8_t dst[4] = {0}, dst6[16] = {0};
    if (v6 ? !traffic_dst6(ld, g, key, tok[2], dst6, error)
           : !traffic_dst(ld, g, key, tok[2], dst, error))
        return FALSE;
    g_autoptr(GHashTable) kv =
        kv_parse(ld, g, key, tok[3] ? tok[3] : "", udp ? udp_opts : ping_opts, error);
    if (!kv)
        return FALSE;
    TrafficSpec t = {.stop = ld->sim->end_ps,
                     .rate = UINT64_C(100000000),
                     .interval = 1000 * PS_PER_MS,
                     .count = 1,
                     .size = udp ? 1400 : 56,
                     .sport = 40000,
                     .dport = 5001};
    if (!udp)
        t.interval = 100 * PS_PER_MS;
    if (!traffic_options(ld, g, key, kv, &t, error) ||
        (udp && !traffic_gen_options(ld, g, key, kv, &t, error)))
        return FALSE;
    if (!udp && t.n_sizes)
        return ini_fail(ld->ini, error, g, key, "ping size is one number");
    if (v6 && t.has_dst_mac)
        return ini_fail(ld->ini, error, g, key, "explicit frames (dst-mac=...) are IPv4 only");
    for (uint32_t i = 0; v6 && i < t.n_sizes; i++)
        t.size = MAX(t.size, t.sizes[i]);
    if (ld->sim->flows->len + t.count > SIM_MAX_FLOWS)
        return ini_fail(ld->ini, error, g, key, "more than %d flows", SIM_MAX_FLOWS);
    if (!udp && t.size < FLOW_HEADER_LEN)
        return ini_fail(ld->ini, error, g, key, "ping size must be at least %d", FLOW_HEADER_LEN);
    if (v6 && t.size > FLOW_UDP6_MAX_PAYLOAD)
        return ini_fail(ld->ini, error, g, key,
                        "size %" G_GUINT64_FORMAT
                        " does not fit a 1500-byte IPv6 packet (at most %d)",
                        t.size, FLOW_UDP6_MAX_PAYLOAD);
    for (uint64_t i = 0; i < t.count; i++) {
        g_autofree char *fname =
            t.count > 1 ? g_strdup_printf("%s#%" G_GUINT64_FORMAT, name, i + 1) : g_strdup(name);
        FlowKind kind = udp ? FLOW_UDP : FLOW_PING;
        Flow *fl = v6 ? flow_new6(fname, kind, src, dst6) : flow_new(fname, kind, src, dst);
        fl->dst_name = g_strdup(tok[2]);
        if (udp) {
            uint64_t sp = t.sport + (t.vary == VARY_SPORT ? i : 0);
            uint64_t dp = t.dport + (t.vary == VARY_DPORT ? i : 0);
            flow_set_udp(fl, t.rate, (uint32_t)t.size, (uint16_t)sp, (uint16_t)dp);
            if (t.has_dst_mac)
                traffic_explicit(&t, src, i, fl);
            if (t.n_sizes)
                flow_set_sizes(fl, t.sizes, t.n_sizes, t.size_random);
            fl->gen = t.gen;
            fl->on_ps = t.on;
            fl->off_ps = t.off;
            flow_set_rtp(fl, t.rtp);
        } else
            flow_set_ping(fl, t.interval, (uint32_t)t.size);
        fl->start_ps = t.start;
        fl->stop_ps = t.stop;
        fl->index = (int)ld->sim->flows->len;
        g_ptr_array_add(ld->sim->flows, fl);
    }
    return TRUE;
}

/* ---- [fault NAME] -------------------------------------------------------- */

/* lacp-block filters the slow-protocol frames an 802.3ad bond's slave
 * receives (the bond's rx hook drops them). */
static bool is_8023ad_slave(const Sim *sim, const Nic *nic)
{
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        if (b->ops != &bond_mode_8023ad_ops)
            continue;
        for (int j = 0; j < b->n_slaves; j++)
            if (b->slaves[j].nic == nic)
                return true;
    }
    return false;
}

/* Route faults: "HOST default|NET/LEN via GW [dev IF] [metric N]" (route-add),
 * "HOST default|NET/LEN [via GW]" (route-del), "HOST via GW [dev IF] [metric N]"
 * (default-route: replaces every default route). */
static gboolean load_route_fault(Loader *ld, const char *g, const char *key, const SimFault *ft,
                                 SimRouteChange *route, GError **error)
{
    g_auto(GStrv) tok = g_strsplit_set(ini_get(ld->ini, g, key), " \t", -1);
    int n = 0;
    for (int i = 0; tok[i]; i++)
        if (tok[i][0])
            tok[n++] = tok[i];
        else
            g_free(tok[i]);
    tok[n] = NULL;
    bool def = ft->kind == SIM_FAULT_DEFAULT_ROUTE;
    if (n < (def ? 1 : 2))
        return ini_fail(ld->ini, error, g, key,
                        def ? "expected HOST via GW [dev IF] [metric N]"
                            : "expected HOST default|NET/LEN [via GW] [dev IF] [metric N]");
    Host *h = g_hash_table_lookup(ld->hosts, tok[0]);
    if (!h)
        return ini_fail(ld->ini, error, g, key, "no host '%s'", tok[0]);
    bool add = ft->kind != SIM_FAULT_ROUTE_DEL;
    if (!route_parse(ld, h, g, key, def ? "default" : tok[1], tok + (def ? 1 : 2), add, route,
                     error))
        return FALSE;
    /* the file's routes, the faults' that add one so far, this one */
    guint adds = (guint)h->n_routes;
    if (add)
        adds += GPOINTER_TO_UINT(g_hash_table_lookup(ld->route_adds, h)) + 1;
    if (adds > HOST_MAX_ROUTES)
        return ini_fail(ld->ini, error, g, key, "more than %d routes on %s", HOST_MAX_ROUTES,
                        h->name);
    return TRUE;
}

static gboolean load_fault(Loader *ld, const char *g, const char *name, GError **error)
{
    static const char *const kinds[] = {
        "link-down",    "link-up",   "carrier-down", "carrier-up",    "lacp-block",
        "lacp-unblock", "route-add", "route-del",    "default-route", NULL};
    const char *at = ini_get(ld->ini, g, "at");
    if (!at)
        return ini_fail(ld->ini, error, g, NULL, "'at' is required (e.g. at = 3s)");
    SimFault ft = {sim_intern(ld->sim, name), 0, 0, NULL};
    SimRouteChange route = {0};
    if (!get_time(ld, g, "at", at, &ft.at_ps, error))
        return FALSE;
    if (ft.at_ps >= ld->sim->end_ps)
        return ini_fail(ld->ini, error, g, "at", "%s is not before the end of the run", at);
    const char *what = NULL;
    for (const char *const *k = ini_keys(ld->ini, g); *k; k++) {
        if (strcmp(*k, "at") == 0)
            continue;
        int kind = -1;
        for (int i = 0; kinds[i]; i++)
            if (strcmp(*k, kinds[i]) == 0)
                kind = i;
        if (kind < 0)
            return ini_fail(ld->ini, error, g, *k,
                            "unknown key (accepted: at, link-down, "
                            "link-up, carrier-down, carrier-up, lacp-block, lacp-unblock, "
                            "route-add, route-del, default-route)");
        if (what)
            return ini_fail(ld->ini, error, g, *k, "one action per fault ('%s' given already)",
                            what);
        what = *k;
        ft.kind = (SimFaultKind)kind;
        if (kind >= SIM_FAULT_ROUTE_ADD) {
            if (!load_route_fault(ld, g, *k, &ft, &route, error))
                return FALSE;
            continue;
        }
        ft.nic = resolve_endpoint(ld, ini_get(ld->ini, g, *k));
        if (!ft.nic)
            return ini_fail(ld->ini, error, g, *k, "'%s' is no NIC or switch port",
                            ini_get(ld->ini, g, *k));
        if (kind <= SIM_FAULT_LINK_UP && !ft.nic->link)
            return ini_fail(ld->ini, error, g, *k, "%s is not cabled", ft.nic->name);
        if ((kind == SIM_FAULT_LACP_BLOCK || kind == SIM_FAULT_LACP_UNBLOCK) &&
            !is_8023ad_slave(ld->sim, ft.nic))
            return ini_fail(ld->ini, error, g, *k, "%s is not a slave of an 802.3ad bond",
                            ft.nic->name);
    }
    if (!what)
        return ini_fail(ld->ini, error, g, NULL,
                        "a fault needs an action (link-down = "
                        "host.ifname, ...)");
    if (ld->sim->faults->len >= SIM_MAX_FAULTS)
        return ini_fail(ld->ini, error, g, NULL, "more than %d faults", SIM_MAX_FAULTS);
    if (ft.kind >= SIM_FAULT_ROUTE_ADD) {
        sim_add_route_fault(ld->sim, &ft, &route);
        if (ft.kind != SIM_FAULT_ROUTE_DEL) {
            guint n = GPOINTER_TO_UINT(g_hash_table_lookup(ld->route_adds, route.host));
            g_hash_table_insert(ld->route_adds, route.host, GUINT_TO_POINTER(n + 1));
        }
    } else
        sim_add_fault(ld->sim, &ft);
    return TRUE;
}

/* ---- driver -------------------------------------------------------------- */

static gint fault_cmp(gconstpointer a, gconstpointer b)
{
    const SimFault *x = a, *y = b;
    return x->at_ps < y->at_ps ? -1 : x->at_ps > y->at_ps;
}

/* Runs `fn` for every group of type `type` ("host", "switch", ...). */
static gboolean load_groups(Loader *ld, const char *type, GroupFn fn, GError **error)
{
    size_t tl = strlen(type);
    for (guint i = 0; i < ini_n_groups(ld->ini); i++) {
        const char *g = ini_group(ld->ini, i);
        if (strncmp(g, type, tl) != 0 || (g[tl] != ' ' && g[tl] != '\0'))
            continue;
        const char *name = g[tl] ? g + tl + 1 : NULL;
        if (name && (!*name || strchr(name, ' ') || strchr(name, '.') || strchr(name, '/')))
            return ini_fail(ld->ini, error, g, NULL, "a name has no spaces, '.' or '/'");
        if (!name && strcmp(type, "links") != 0)
            return ini_fail(ld->ini, error, g, NULL, "[%s NAME] needs a name", type);
        if (name &&
            (g_hash_table_contains(ld->hosts, name) || g_hash_table_contains(ld->switches, name)))
            return ini_fail(ld->ini, error, g, NULL, "name '%s' is used twice", name);
        if (!fn(ld, g, name, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean check_group_types(Loader *ld, GError **error)
{
    static const char *const types[] = {"simulation", "host",    "switch", "nat",
                                        "links",      "traffic", "fault",  NULL};
    for (guint i = 0; i < ini_n_groups(ld->ini); i++) {
        const char *g = ini_group(ld->ini, i);
        g_autofree char *type = g_strndup(g, strcspn(g, " "));
        if (!g_strv_contains(types, type))
            return ini_fail(ld->ini, error, g, NULL,
                            "unknown group type '%s' (accepted: "
                            "simulation, host NAME, switch NAME, nat NAME, links, traffic NAME, "
                            "fault NAME)",
                            type);
    }
    return TRUE;
}

static gboolean apply_sets(IniFile *ini, const ScenarioOptions *opts, GError **error)
{
    static const char *const named[] = {"host", "switch", "nat", "traffic", "fault", NULL};
    static const char *const plain[] = {"simulation", "links", NULL};
    for (guint i = 0; opts->sets && i < opts->sets->len; i++) {
        const char *s = opts->sets->pdata[i];
        const char *eq = strchr(s, '=');
        g_autofree char *lhs = eq ? g_strndup(s, (gsize)(eq - s)) : NULL;
        char *dot = lhs ? strchr(lhs, '.') : NULL;
        if (!dot) {
            g_set_error(error, SCENARIO_ERROR, 0,
                        "--set %s: expected GROUP.KEY=VALUE, e.g. "
                        "simulation.duration=10s or host.server.bond.bond0=mode=1 miimon=100",
                        s);
            return FALSE;
        }
        *dot = '\0';
        g_autofree char *group = g_strdup(lhs);
        char *key = dot + 1;
        /* Checked here: a group made by --set has no line, so a later error
         * about it could not say "--set". */
        gboolean is_named = g_strv_contains(named, lhs);
        if (!is_named && !g_strv_contains(plain, lhs)) {
            g_set_error(error, SCENARIO_ERROR, 0,
                        "--set %s: unknown group type '%s' (accepted: simulation, links, "
                        "host.NAME, switch.NAME, nat.NAME, traffic.NAME, fault.NAME)",
                        s, lhs);
            return FALSE;
        }
        char *d2 = is_named ? strchr(key, '.') : NULL;
        if (is_named && (d2 == NULL || d2 == key || d2[1] == '\0')) {
            g_set_error(error, SCENARIO_ERROR, 0, "--set %s: expected %s.NAME.KEY=VALUE", s, lhs);
            return FALSE;
        }
        if (is_named) {
            *d2 = '\0';
            g_free(group);
            group = g_strdup_printf("%s %s", lhs, key);
            key = d2 + 1;
        }
        if (*key == '\0') {
            g_set_error(error, SCENARIO_ERROR, 0, "--set %s: the KEY of GROUP.KEY=VALUE is empty",
                        s);
            return FALSE;
        }
        ini_override(ini, group, key, eq + 1);
    }
    return TRUE;
}

Sim *scenario_load(const char *path, const ScenarioOptions *opts, char **canonical, GError **error)
{
    g_autoptr(IniFile) ini = ini_load(path, error);
    if (!ini || !apply_sets(ini, opts, error))
        return NULL;
    g_autofree char *base = g_path_get_basename(path);
    char *dot = strrchr(base, '.');
    if (dot)
        *dot = '\0';
    Loader ld = {ini,
                 sim_new(base, opts->seed),
                 opts,
                 g_string_new(NULL),
                 g_hash_table_new(g_str_hash, g_str_equal),
                 g_hash_table_new(g_str_hash, g_str_equal),
                 g_hash_table_new(g_direct_hash, g_direct_equal),
                 g_hash_table_new(g_direct_hash, g_direct_equal)};
    gboolean ok =
        check_group_types(&ld, error) && load_simulation(&ld, error) &&
        load_groups(&ld, "switch", load_switch, error) &&
        load_groups(&ld, "host", load_host, error) && load_groups(&ld, "nat", load_nat, error) &&
        load_groups(&ld, "links", load_links, error) && load_vswitch_bindings(&ld, error) &&
        load_groups(&ld, "traffic", load_traffic, error) &&
        load_groups(&ld, "fault", load_fault, error);
    if (ok) {
        g_array_sort(ld.sim->faults, fault_cmp);
        for (guint i = 0; opts->sets && i < opts->sets->len; i++)
            g_string_append_printf(ld.canon, " --set %s", (char *)opts->sets->pdata[i]);
    }
    g_hash_table_unref(ld.hosts);
    g_hash_table_unref(ld.switches);
    g_hash_table_unref(ld.bond_of);
    g_hash_table_unref(ld.route_adds);
    if (!ok) {
        g_string_free(ld.canon, TRUE);
        sim_free(ld.sim);
        return NULL;
    }
    if (canonical)
        *canonical = g_string_free(ld.canon, FALSE);
    else
        g_string_free(ld.canon, TRUE);
    return ld.sim;
}

/* ---- capture interfaces -------------------------------------------------- */

static void register_nic(Sim *sim, Nic *nic, const char *descr)
{
    nic->cap_if = capture_add_interface(sim->cap, nic->name, descr, nic->perm_mac, nic->speed_bps);
}

static void register_bond(Sim *sim, Bond *b)
{
    g_autofree char *opts = bond_params_to_string(&b->p);
    g_autofree char *d = g_strdup_printf("bond %s (%s)", b->name, opts);
    b->iface->cap_if = capture_add_interface(sim->cap, b->full_name, d, b->mac, 0);
    for (int i = 0; i < b->n_slaves; i++) {
        Slave *s = &b->slaves[i];
        GString *sd = g_string_new(NULL);
        g_string_printf(sd, "slave of %s, %s", b->name, bond_mode_name(b->p.mode));
        if (s == b->primary)
            g_string_append(sd, ", primary");
        if (s->prio)
            g_string_append_printf(sd, ", prio %d", s->prio);
        register_nic(sim, s->nic, sd->str);
        g_string_free(sd, TRUE);
    }
}

void scenario_register_capture(Sim *sim)
{
    for (guint i = 0; i < sim->hosts->len; i++) {
        Host *h = sim->hosts->pdata[i];
        for (int j = 0; j < h->n_ifaces; j++) {
            Iface *ifc = h->ifaces[j];
            if (ifc->bond) {
                register_bond(sim, ifc->bond);
            } else {
                g_autofree char *d = g_strdup_printf("interface %s of host %s", ifc->name, h->name);
                register_nic(sim, ifc->nic, d);
            }
            if (ifc->has_ip)
                capture_add_ipv4_name(sim->cap, ifc->ip, h->name);
            for (int a = 0; a < ifc->n_addr6; a++)
                capture_add_ipv6_name(sim->cap, ifc->addr6[a].addr, h->name);
        }
    }
    for (guint i = 0; i < sim->switches->len; i++) {
        Switch *sw = sim->switches->pdata[i];
        for (int p = 0; p < sw->n_ports; p++) {
            if (!sw->ports[p]->link)
                continue;
            Nic *peer = nic_peer(sw->ports[p]);
            int c = switch_port_channel(sw, p + 1);
            g_autofree char *d =
                c < 0
                    ? g_strdup_printf("switch %s port %d, cabled to %s", sw->name, p + 1,
                                      peer->name)
                    : g_strdup_printf("switch %s port %d, cabled to %s, member of "
                                      "port-channel %s (%s, hash %s)",
                                      sw->name, p + 1, peer->name, sw->chan[c].name,
                                      sw->chan[c].cfg.mode == SWITCH_CHAN_LACP ? "lacp" : "static",
                                      switch_hash_name(sw->chan[c].cfg.hash));
            if (sw->vs) { /* cloud vSwitch: what the provider binds to the port */
                g_autofree char *bound = cloud_binding_text(&sw->vs->bind[p]);
                g_autofree char *plain = d;
                d = g_strdup_printf("%s, %s vSwitch, bound: %s", plain, sw->vs->profile->name,
                                    bound);
            }
            register_nic(sim, sw->ports[p], d);
        }
    }
}

CaptureIfStats *scenario_capture_if_stats(const Sim *sim)
{
    int n_if = (int)sim->bonds->len;
    for (guint i = 0; i < sim->nics->len; i++)
        n_if += ((const Nic *)sim->nics->pdata[i])->cap_if >= 0;
    CaptureIfStats *st = g_new0(CaptureIfStats, MAX(n_if, 1));
    for (guint i = 0; i < sim->nics->len; i++) {
        const Nic *nic = sim->nics->pdata[i];
        if (nic->cap_if < 0)
            continue;
        CaptureIfStats *s = &st[nic->cap_if];
        s->rx_frames = nic->c.rx_frames;
        s->rx_drops = nic->c.drops[NIC_DROP_RX_NO_CARRIER] + nic->c.drops[NIC_DROP_CUT_IN_FLIGHT];
        s->tx_drops = nic->c.drops[NIC_DROP_QUEUE_FULL] + nic->c.drops[NIC_DROP_NO_CARRIER] +
                      nic->c.drops[NIC_DROP_POOL];
    }
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        if (b->iface->cap_if < 0)
            continue;
        CaptureIfStats *s = &st[b->iface->cap_if];
        for (int j = 0; j < b->n_slaves; j++)
            s->rx_frames += b->slaves[j].nic->c.rx_frames;
        s->rx_drops = b->drops[BOND_DROP_INACTIVE_RX];
        s->rx_frames -= MIN(s->rx_frames, s->rx_drops);
        s->tx_drops = b->drops[BOND_DROP_NO_SLAVE] + b->drops[BOND_DROP_SLAVE_TX];
    }
    return st;
}
