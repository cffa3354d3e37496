/* testlib.c - helpers shared by the test programs (see testlib.h for what
 * belongs here). */
#include "testlib.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cu_run.h"
#include "util/bytes.h"
#include "util/units.h"

/* ---- assertions -------------------------------------------------------- */

void tl_check_at(const char *file, int line, gboolean ok, const char *what)
{
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, what, file, "", CU_FALSE);
    if (!ok)
        fprintf(stderr, "\n  %s:%d: %s\n", file, line, what);
}

void tl_checkf_at(const char *file, int line, gboolean ok, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, args);
    va_end(args);
    tl_check_at(file, line, ok, what);
}

void tl_u64_in_at(const char *file, int line, uint64_t v, uint64_t lo, uint64_t hi,
                  const char *what)
{
    if (lo == hi)
        tl_checkf_at(file, line, v == lo, "%s: %" G_GUINT64_FORMAT ", want %" G_GUINT64_FORMAT,
                     what, v, lo);
    else
        tl_checkf_at(file, line, v >= lo && v <= hi,
                     "%s: %" G_GUINT64_FORMAT " in [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "]",
                     what, v, lo, hi);
}

static char *ints_text(const int *v, int n)
{
    GString *s = g_string_new("{");
    for (int i = 0; i < n; i++)
        g_string_append_printf(s, "%s%d", i ? "," : "", v[i]);
    g_string_append_c(s, '}');
    return g_string_free(s, FALSE);
}

void tl_ints_equal_at(const char *file, int line, const int *got, int n_got, const int *want,
                      int n_want, const char *what)
{
    gboolean ok = n_got == n_want && memcmp(got, want, sizeof(int) * (size_t)n_got) == 0;
    g_autofree char *g = ints_text(got, n_got);
    g_autofree char *w = ints_text(want, n_want);
    tl_checkf_at(file, line, ok, "%s: got %s, want %s", what, g, w);
}

/* ---- time -------------------------------------------------------------- */

uint64_t tl_ms(double v)
{
    return (uint64_t)(v * 1e9 + 0.5);
}

/* ---- hand-built topologies ------------------------------------------------- */

Sim *tl_sim(const char *name, uint64_t end_ps)
{
    Sim *sim = sim_new(name, 1);
    sim->cap = capture_new(CAPTURE_NONE, "unused", 0, NULL, NULL);
    sim->end_ps = end_ps;
    return sim;
}

Host *tl_add_host(Sim *sim, const char *name)
{
    Host *h = host_new(sim, name);
    g_ptr_array_add(sim->hosts, h);
    return h;
}

Nic *tl_add_nic_mac(Sim *sim, Host *h, const char *ifname, const uint8_t mac[6])
{
    Nic *nic = host_add_nic(h, ifname, mac, TL_GBPS);
    g_ptr_array_add(sim->nics, nic);
    return nic;
}

Nic *tl_add_nic(Sim *sim, Host *h, const char *ifname, uint8_t host_id, uint8_t n)
{
    const uint8_t mac[6] = {0x02, 0x00, 0x00, host_id, 0x00, n};
    return tl_add_nic_mac(sim, h, ifname, mac);
}

Link *tl_add_link(Sim *sim, Nic *a, Nic *b)
{
    Link *l = link_new(sim, a, b, PS_PER_US, 0.0);
    g_ptr_array_add(sim->links, l);
    return l;
}

void tl_add_fault(Sim *sim, uint64_t at_ps, SimFaultKind kind, Nic *nic)
{
    SimFault ft = {sim_internf(sim, "f%u", sim->faults->len), at_ps, kind, nic};
    sim_add_fault(sim, &ft);
}

Switch *tl_add_switch(Sim *sim, const char *name, int n_ports, uint64_t aging_ps)
{
    Switch *sw = switch_new(sim, name, n_ports, TL_GBPS, aging_ps);
    g_ptr_array_add(sim->switches, sw);
    for (int i = 0; i < sw->n_ports; i++)
        g_ptr_array_add(sim->nics, sw->ports[i]);
    return sw;
}

Bond *tl_add_bond_at(const char *file, int line, Sim *sim, const TlBond *spec)
{
    static const uint8_t server_ip[4] = {10, 0, 0, 1};
    BondParams p;
    GError *error = NULL;
    bond_params_defaults(&p);
    if (!bond_params_parse(&p, spec->opts, NULL, &error) ||
        (!spec->allow_unmodelled && !bond_params_check_modelled(&p, &error))) {
        tl_checkf_at(file, line, FALSE, "options '%s': %s", spec->opts, error->message);
        g_clear_error(&error);
        return NULL;
    }
    uint8_t host_id = spec->host_id ? spec->host_id : 1;
    Host *h = tl_add_host(sim, spec->host ? spec->host : "server");
    Bond *b = bond_new(sim, h, "bond0", &p);
    g_ptr_array_add(sim->bonds, b);
    for (int i = 0; i < spec->n_slaves; i++) {
        char name[8];
        g_snprintf(name, sizeof name, "eth%d", i);
        Nic *nic = i == 0 && spec->first_mac ? tl_add_nic_mac(sim, h, name, spec->first_mac)
                                             : tl_add_nic(sim, h, name, host_id, (uint8_t)(i + 1));
        bond_enslave(sim, b, nic, spec->prio ? spec->prio[i] : 0);
    }
    if (!spec->no_ipv4)
        host_set_address(b->iface, spec->ip ? spec->ip : server_ip, 24);
    return b;
}

Host *tl_add_peer(Sim *sim, const Bond *b, uint8_t host_id, NicRxFn rx, void *owner, Nic **out)
{
    Host *peer = tl_add_host(sim, "peer");
    for (int i = 0; i < b->n_slaves; i++) {
        char name[8];
        g_snprintf(name, sizeof name, "p%d", i);
        Nic *p = tl_add_nic(sim, peer, name, host_id, (uint8_t)(i + 1));
        p->owner = owner;
        p->owner_index = i;
        p->rx = rx;
        tl_add_link(sim, b->slaves[i].nic, p);
        if (out)
            out[i] = p;
    }
    return peer;
}

void tl_record_arp_rx(Sim *sim, Nic *nic, Frame *f)
{
    GArray *seen = nic->owner;
    TlSeenArp s = {.time_ps = sim->eng.now_ps, .port = nic->owner_index};
    memcpy(s.dst, f->data, 6);
    memcpy(s.src, f->data + 6, 6);
    s.type = get_be16(f->data + 12);
    const uint8_t *a = f->data + ETH_HLEN;
    if (s.type == ETH_P_ARP && f->len >= ETH_HLEN + 28) {
        s.arp_op = get_be16(a + 6);
        memcpy(s.sha, a + 8, 6);
        memcpy(s.spa, a + 14, 4);
        memcpy(s.tha, a + 18, 6);
        memcpy(s.tpa, a + 24, 4);
    }
    g_array_append_val(seen, s);
    frame_free(&sim->pool, f);
}

Iface *tl_add_lan_host(Sim *sim, const char *name, uint8_t host_id, const uint8_t ip[4], Nic *port)
{
    Host *h = tl_add_host(sim, name);
    Nic *nic = tl_add_nic(sim, h, "eth0", host_id, 1);
    Iface *ifc = host_add_iface_nic(h, nic);
    host_set_address(ifc, ip, 24);
    tl_add_link(sim, nic, port);
    return ifc;
}

Host *tl_add_ip_host(Sim *sim, const char *name, const uint8_t mac[6], const uint8_t ip[4],
                     NicRxFn rx)
{
    Host *h = tl_add_host(sim, name);
    Nic *nic = tl_add_nic_mac(sim, h, "eth0", mac);
    host_set_address(host_add_iface_nic(h, nic), ip, 24);
    if (rx)
        nic->rx = rx;
    return h;
}

const uint8_t tl_ip1[4] = {10, 0, 0, 1}, tl_ip2[4] = {10, 0, 0, 2};

void tl_ip_pair(Sim *sim, uint64_t delay_ps, NicRxFn rx1, NicRxFn rx2, Host **h1, Host **h2)
{
    static const uint8_t mac1[6] = {0x02, 0, 0, 0, 0, 0x01}, mac2[6] = {0x02, 0, 0, 0, 0, 0x02};
    *h1 = tl_add_ip_host(sim, "h1", mac1, tl_ip1, rx1);
    *h2 = tl_add_ip_host(sim, "h2", mac2, tl_ip2, rx2);
    g_ptr_array_add(sim->links, link_new(sim, (*h1)->nics[0], (*h2)->nics[0], delay_ps, 0.0));
}

void tl_cable_slaves(Sim *sim, const Bond *b, Switch *sw, int first_port)
{
    for (int i = 0; i < b->n_slaves; i++)
        tl_add_link(sim, b->slaves[i].nic, switch_port(sw, first_port + i));
}

gboolean tl_lan_build(TlLan *lan, const char *name, uint64_t end_ps, const TlBond *spec)
{
    static const uint8_t client_ip[4] = {10, 0, 0, 2};
    memset(lan, 0, sizeof *lan);
    Sim *sim = lan->sim = tl_sim(name, end_ps);
    lan->bond = tl_add_bond(sim, spec);
    if (!lan->bond)
        return FALSE;
    int n = spec->n_slaves;
    lan->client = tl_add_host(sim, "client");
    Nic *cn = tl_add_nic(sim, lan->client, "eth0", 2, 1);
    lan->client_if = host_add_iface_nic(lan->client, cn);
    host_set_address(lan->client_if, client_ip, 24);
    lan->sw = tl_add_switch(sim, "sw1", n + 1, SWITCH_DEFAULT_AGING_PS);
    tl_cable_slaves(sim, lan->bond, lan->sw, 1);
    tl_add_link(sim, cn, switch_port(lan->sw, n + 1));
    return TRUE;
}

Flow *tl_add_udp(Sim *sim, const char *name, Host *src, const uint8_t dst[4], uint64_t rate_bps,
                 uint16_t sport, uint64_t start_ps, uint64_t stop_ps)
{
    g_autofree char *auto_name = name ? NULL : g_strdup_printf("udp%u", sim->flows->len);
    Flow *fl = flow_new(name ? name : auto_name, FLOW_UDP, src, dst);
    flow_set_udp(fl, rate_bps, 56, sport, 5001);
    fl->start_ps = start_ps;
    fl->stop_ps = stop_ps;
    fl->index = (int)sim->flows->len;
    g_ptr_array_add(sim->flows, fl);
    return fl;
}

Nic *tl_add_station(Sim *sim, Switch *sw, int i, const uint8_t mac[6], void *owner, NicRxFn rx,
                    Link **link)
{
    char name[8];
    g_snprintf(name, sizeof(name), "st%d", i);
    Nic *st = nic_new(name, "eth0", mac, TL_GBPS);
    st->owner = owner;
    st->owner_index = i;
    st->rx = rx;
    Link *l = tl_add_link(sim, st, switch_port(sw, i + 1));
    if (link)
        *link = l;
    return st;
}

/* ---- frame bytes ----------------------------------------------------------- */

void tl_eth_header(uint8_t *d, uint32_t len, const uint8_t dst[6], const uint8_t src[6],
                   uint16_t type)
{
    memset(d, 0, len);
    memcpy(d, dst, 6);
    memcpy(d + 6, src, 6);
    put_be16(d + 12, type);
}

uint32_t tl_arp_request(uint8_t *d, const uint8_t sha[6], const uint8_t spa[4],
                        const uint8_t tpa[4])
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    tl_eth_header(d, ETH_ZLEN, bcast, sha, ETH_P_ARP);
    uint8_t *a = d + ETH_HLEN;
    put_be16(a, 1); /* Ethernet */
    put_be16(a + 2, ETH_P_IP);
    a[4] = 6;
    a[5] = 4;
    put_be16(a + 6, 1); /* request */
    memcpy(a + 8, sha, 6);
    memcpy(a + 14, spa, 4);
    memcpy(a + 24, tpa, 4); /* target MAC (18..23) zero */
    return ETH_ZLEN;
}

void tl_bytes_put(TlBytes *f, const void *p, uint32_t n)
{
    g_assert(f->len + n <= sizeof f->b);
    memcpy(f->b + f->len, p, n);
    f->len += n;
}

void tl_bytes_be16(TlBytes *f, uint16_t v)
{
    uint8_t b[2];
    put_be16(b, v);
    tl_bytes_put(f, b, 2);
}

void tl_bytes_be32(TlBytes *f, uint32_t v)
{
    uint8_t b[4];
    put_be32(b, v);
    tl_bytes_put(f, b, 4);
}

void tl_bytes_eth(TlBytes *f, const char *dst, const char *src, uint16_t type)
{
    uint8_t d[6], s[6];
    g_assert(units_parse_mac(dst, d, NULL) && units_parse_mac(src, s, NULL));
    tl_bytes_put(f, d, 6);
    tl_bytes_put(f, s, 6);
    tl_bytes_be16(f, type);
}

/* ---- the tap ------------------------------------------------------------- */

static GArray *tap_log;

void tl_tap_start(void)
{
    g_assert(tap_log == NULL);
    tap_log = g_array_new(FALSE, FALSE, sizeof(TlTapFrame));
}

void tl_tap_stop(void)
{
    g_array_free(tap_log, TRUE);
    tap_log = NULL;
}

void tl_tap_clear(void)
{
    g_array_set_size(tap_log, 0);
}

guint tl_tap_len(void)
{
    return tap_log->len;
}

const TlTapFrame *tl_tap_at(guint i)
{
    return &g_array_index(tap_log, TlTapFrame, i);
}

const TlTapFrame *tl_tap_nth(int at, TlTapMatch match, unsigned what, guint nth)
{
    for (guint i = 0; i < tap_log->len; i++) {
        const TlTapFrame *t = tl_tap_at(i);
        if (t->at == at && match(t, what) && nth-- == 0)
            return t;
    }
    return NULL;
}

guint tl_tap_count(int at, TlTapMatch match, unsigned what)
{
    guint n = 0;
    while (tl_tap_nth(at, match, what, n))
        n++;
    return n;
}

static void tap_log_frame(Sim *sim, Nic *nic, const Frame *f)
{
    TlTapFrame t = {sim->eng.now_ps, nic->owner_index, f->len, {0}};
    memcpy(t.data, f->data, MIN(f->len, sizeof(t.data)));
    g_array_append_val(tap_log, t);
}

void tl_tap_host_rx(Sim *sim, Nic *nic, Frame *f)
{
    tap_log_frame(sim, nic, f);
    host_rx(sim, nic->owner, f);
}

void tl_tap_record_rx(Sim *sim, Nic *nic, Frame *f)
{
    tap_log_frame(sim, nic, f);
    frame_free(&sim->pool, f);
}

static Iface *pair_host(Sim *sim, Host **out, const char *name, const uint8_t mac[6], int index)
{
    Host *h = tl_add_host(sim, name);
    Nic *nic = host_add_nic(h, "eth0", mac, TL_GBPS);
    Iface *ifc = host_add_iface_nic(h, nic);
    nic->rx = tl_tap_host_rx;
    nic->owner_index = index;
    *out = h;
    return ifc;
}

void tl_pair_init(TlPair *p, uint64_t delay_ps, const uint8_t mac1[6], const uint8_t mac2[6])
{
    tl_tap_start();
    p->sim = tl_sim("t", 0);
    p->if1 = pair_host(p->sim, &p->h1, "h1", mac1, 0);
    p->if2 = pair_host(p->sim, &p->h2, "h2", mac2, 1);
    p->link = link_new(p->sim, p->if1->nic, p->if2->nic, delay_ps, 0.0);
    g_ptr_array_add(p->sim->links, p->link);
}

void tl_pair_clear(TlPair *p)
{
    sim_free(p->sim);
    tl_tap_stop();
}

/* ---- running programs ------------------------------------------------------- */

void tl_run_clear(TlRun *r)
{
    g_clear_pointer(&r->out, g_free);
    g_clear_pointer(&r->err, g_free);
}

TlRun tl_spawn_in(const char *cwd, const char *const *argv, char **envp)
{
    TlRun r = {-1, NULL, NULL};
    int status = 0;
    GError *error = NULL;
    if (!g_spawn_sync(cwd, (char **)argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &r.out, &r.err,
                      &status, &error)) {
        tl_checkf(FALSE, __LINE__, "cannot run %s: %s", argv[0], error->message);
        g_error_free(error);
        tl_run_clear(&r);
        r.out = g_strdup("");
        r.err = g_strdup("");
        return r;
    }
    if (WIFEXITED(status))
        r.code = WEXITSTATUS(status);
    return r;
}

TlRun tl_spawn(const char *const *argv)
{
    return tl_spawn_in(NULL, argv, NULL);
}

/* argv for `program FIRST ARGS...`, NULL-terminated; free with
 * g_ptr_array_unref. */
static GPtrArray *argv_va(const char *program, const char *first, va_list args)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)program);
    for (const char *a = first; a != NULL; a = va_arg(args, const char *))
        g_ptr_array_add(argv, (gpointer)a);
    g_ptr_array_add(argv, NULL);
    return argv;
}

TlRun tl_spawn_va(const char *program, const char *first, va_list args)
{
    g_autoptr(GPtrArray) argv = argv_va(program, first, args);
    return tl_spawn((const char *const *)argv->pdata);
}

TlRun tl_spawnl(const char *program, ...)
{
    va_list args;
    va_start(args, program);
    const char *first = va_arg(args, const char *);
    TlRun r = tl_spawn_va(program, first, args);
    va_end(args);
    return r;
}

TlRun tl_bondsim(const char *first, ...)
{
    va_list args;
    va_start(args, first);
    TlRun r = tl_spawn_va(BONDSIM_BINARY, first, args);
    va_end(args);
    return r;
}

TlRun tl_bondsim_argv(const char *const *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)BONDSIM_BINARY);
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    return tl_spawn((const char *const *)argv->pdata);
}

TlRun tl_bondsim_in(const char *cwd, const char *first, ...)
{
    va_list args;
    va_start(args, first);
    g_autoptr(GPtrArray) argv = argv_va(BONDSIM_BINARY, first, args);
    va_end(args);
    return tl_spawn_in(cwd, (const char *const *)argv->pdata, NULL);
}

TlRun tl_tshark_r(const char *path, const char *const *args)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer) "tshark");
    g_ptr_array_add(argv, (gpointer) "-r");
    g_ptr_array_add(argv, (gpointer)path);
    for (; *args; args++)
        g_ptr_array_add(argv, (gpointer)*args);
    g_ptr_array_add(argv, NULL);
    return tl_spawn((const char *const *)argv->pdata);
}

gboolean tl_tshark_stderr_clean(const char *err)
{
    g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
    for (char **l = lines; *l != NULL; l++)
        if (**l != '\0' && !g_str_has_prefix(*l, "Running as user \"root\""))
            return FALSE;
    return TRUE;
}

/* ---- scenario files, in-process --------------------------------------------- */

char *tl_scenario_path(const char *file)
{
    return g_build_filename(BONDSIM_SOURCE_DIR, "scenarios", file, NULL);
}

char *tl_scratch_file(const char *dir_name, const char *file_name)
{
    g_autofree char *dir = cu_scratch_dir(dir_name);
    return g_build_filename(dir, file_name, NULL);
}

Sim *tl_scenario_load(const char *path, const ScenarioOptions *opts, const char *const *sets,
                      GError **error)
{
    ScenarioOptions so = {0};
    if (opts)
        so = *opts;
    g_autoptr(GPtrArray) arr = g_ptr_array_new();
    for (; sets && *sets; sets++)
        g_ptr_array_add(arr, (gpointer)*sets);
    so.sets = arr;
    GError *own = NULL;
    Sim *sim = scenario_load(path, &so, NULL, error ? error : &own);
    if (own) {
        fprintf(stderr, "%s: %s\n", path, own->message);
        g_error_free(own);
    }
    return sim;
}

Sim *tl_scenario_run(const char *path, const ScenarioOptions *opts, const char *const *sets,
                     GError **error)
{
    Sim *sim = tl_scenario_load(path, opts, sets, error);
    if (!sim)
        return NULL;
    sim->cap = capture_new(CAPTURE_NONE, "unused", 0, NULL, NULL);
    sim_run(sim, false);
    return sim;
}

/* ---- looking into a Sim ---------------------------------------------------------- */

/* The item of `items` whose name (by `name_of`) is `name`; NULL with a
 * failed assertion naming the `kind` when there is none. */
static void *named(const GPtrArray *items, const char *(*name_of)(const void *item),
                   const char *kind, const char *name)
{
    for (guint i = 0; i < items->len; i++)
        if (strcmp(name_of(items->pdata[i]), name) == 0)
            return items->pdata[i];
    tl_checkf(FALSE, __LINE__, "no %s '%s'", kind, name);
    return NULL;
}

static const char *host_name(const void *h)
{
    return ((const Host *)h)->name;
}

static const char *flow_name(const void *f)
{
    return ((const Flow *)f)->name;
}

static const char *switch_name(const void *sw)
{
    return ((const Switch *)sw)->name;
}

static const char *bond_name(const void *b)
{
    return ((const Bond *)b)->full_name;
}

Host *tl_host_named(const Sim *sim, const char *name)
{
    return named(sim->hosts, host_name, "host", name);
}

Flow *tl_flow_named(const Sim *sim, const char *name)
{
    return named(sim->flows, flow_name, "flow", name);
}

Switch *tl_switch_named(const Sim *sim, const char *name)
{
    return named(sim->switches, switch_name, "switch", name);
}

Bond *tl_bond_named(const Sim *sim, const char *full_name)
{
    return named(sim->bonds, bond_name, "bond", full_name);
}

Nic *tl_nic_named(const Sim *sim, const char *host, const char *ifname)
{
    Host *h = tl_host_named(sim, host);
    Nic *nic = h ? host_find_nic(h, ifname) : NULL;
    if (h && !nic)
        tl_checkf(FALSE, __LINE__, "no NIC '%s' on host '%s'", ifname, host);
    return nic;
}

int tl_fault_index(const Sim *sim, const char *name)
{
    for (guint i = 0; i < sim->faults->len; i++)
        if (strcmp(g_array_index(sim->faults, SimFault, i).name, name) == 0)
            return (int)i;
    tl_checkf(FALSE, __LINE__, "no fault '%s'", name);
    return -1;
}

static gboolean event_is(const SimEvent *ev, SimEventKind kind, const char *subject)
{
    return ev->kind == kind && (!subject || strcmp(ev->subject, subject) == 0);
}

uint64_t tl_event_at(const Sim *sim, SimEventKind kind, const char *subject, uint64_t from)
{
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->time_ps >= from && event_is(ev, kind, subject))
            return ev->time_ps;
    }
    return G_MAXUINT64;
}

int tl_count_events(const Sim *sim, SimEventKind kind, const char *subject)
{
    int n = 0;
    for (guint i = 0; i < sim->events->len; i++)
        n += event_is(&g_array_index(sim->events, SimEvent, i), kind, subject);
    return n;
}

/* ---- text, JSON and files ------------------------------------------------------- */

gboolean tl_contains(const void *data, gsize len, const char *needle)
{
    const char *d = data;
    gsize n = strlen(needle);
    for (gsize i = 0; n > 0 && i + n <= len; i++)
        if (d[i] == needle[0] && memcmp(d + i, needle, n) == 0)
            return TRUE;
    return FALSE;
}

guint tl_count_newlines(const char *text)
{
    guint n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

gint64 tl_json_int(const char *json, const char *anchor, const char *key)
{
    const char *a = anchor ? strstr(json, anchor) : json;
    if (a == NULL)
        return -1;
    g_autofree char *k = g_strdup_printf("\"%s\":", key);
    const char *m = strstr(a, k);
    return m ? g_ascii_strtoll(m + strlen(k), NULL, 10) : -1;
}

gint tl_cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends the files under base/rel (recursively) to `found`, as paths
 * relative to `base`; `rel` NULL: `base` itself. */
static void list_files_under(const char *base, const char *rel, GPtrArray *found)
{
    g_autofree char *dir = rel ? g_build_filename(base, rel, NULL) : g_strdup(base);
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        char *child = rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
        g_autofree char *path = g_build_filename(base, child, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            list_files_under(base, child, found);
            g_free(child);
        } else {
            g_ptr_array_add(found, child);
        }
    }
    g_dir_close(d);
}

GPtrArray *tl_list_files(const char *dir)
{
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
    list_files_under(dir, NULL, found);
    g_ptr_array_sort(found, tl_cmp_str);
    return found;
}

char *tl_join(const GPtrArray *a)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < a->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *)a->pdata[i]);
    return g_string_free(s, FALSE);
}

gboolean tl_file_starts_with(const char *path, const char *magic, gsize n)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL))
        return FALSE;
    return len > n && memcmp(data, magic, n) == 0;
}
