/* testlib.h - helpers shared by several tests/test_<module>.c programs.
 *
 * What belongs here: code that two or more test programs would otherwise
 * carry each its own copy of, and whose meaning is the same in all of them:
 * recording an assertion with a formatted message, building the small
 * hand-made topologies the unit tests run (a Sim with no capture, hosts,
 * NICs with the 02:00:00:<host>:00:<n> MAC plan, 1 us links, a bond over
 * eth0..ethN-1, a switch, recording peers), the tap log of frames that hosts
 * receive, running the built bondsim binary (or tshark) as a child process,
 * loading and running the scenario files in-process, looking up a Sim's
 * hosts, flows, events and so on by name, and small text, JSON, file and
 * frame-byte helpers.
 *
 * What does not: anything one test alone uses, expected values or any other
 * part of what a test asserts (those stay in the test, next to the case that
 * checks them), and the CUnit runner itself (cu_run.[ch]). A helper here
 * asserts nothing on success; it records a failed assertion only when what
 * it was asked to build or find cannot be built or found (refused bond
 * options, a program that cannot be started, no host of that name), so the
 * assertion counts of the tests that use it are those the tests make
 * themselves.
 */
#ifndef BONDSIM_TESTS_TESTLIB_H
#define BONDSIM_TESTS_TESTLIB_H

#include <CUnit/CUnit.h>
#include <glib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "bond/bond.h"
#include "host.h"
#include "nic.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "switch.h"
#include "traffic/flow.h"

#define TL_GBPS UINT64_C(1000000000)

/* ---- assertions -------------------------------------------------------- */

/* One CUnit assertion at `file`:`line` described by `what` (CUnit copies
 * it). A failure is also written to stderr with its line. */
void tl_check_at(const char *file, int line, gboolean ok, const char *what);
void tl_checkf_at(const char *file, int line, gboolean ok, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
/* `v` in [lo, hi]. */
void tl_u64_in_at(const char *file, int line, uint64_t v, uint64_t lo, uint64_t hi,
                  const char *what);
/* The two int arrays are equal (same length, same values). */
void tl_ints_equal_at(const char *file, int line, const int *got, int n_got, const int *want,
                      int n_want, const char *what);

/* The same at the caller's file; `line` is given so a checking helper can
 * pass on its own caller's line. */
#define tl_check(ok, line, what) tl_check_at(__FILE__, line, ok, what)
#define tl_checkf(ok, line, ...) tl_checkf_at(__FILE__, line, ok, __VA_ARGS__)
#define tl_ints_equal(got, n_got, want, n_want, line, what)                                        \
    tl_ints_equal_at(__FILE__, line, got, n_got, want, n_want, what)
#define TL_U64_IS(v, want, what) tl_u64_in_at(__FILE__, __LINE__, v, want, want, what)
#define TL_U64_IN(v, lo, hi, what) tl_u64_in_at(__FILE__, __LINE__, v, lo, hi, what)
/* `want` is an array: its length is the expected length. */
#define TL_INTS_EQUAL(got, n_got, want, what)                                                      \
    tl_ints_equal_at(__FILE__, __LINE__, got, n_got, want, (int)G_N_ELEMENTS(want), what)

/* ---- time -------------------------------------------------------------- */

/* Milliseconds (fractions allowed) to picoseconds, rounded. */
uint64_t tl_ms(double v);

/* ---- hand-built topologies ------------------------------------------------- */

/* A Sim named `name` (the name seeds its RNG streams), seed 1, no capture,
 * ending at `end_ps` (0: set later or run by hand). */
Sim *tl_sim(const char *name, uint64_t end_ps);

/* A host `name` owned by the Sim. */
Host *tl_add_host(Sim *sim, const char *name);

/* A 1 Gbit/s NIC `ifname` of `h` with this MAC, in sim->nics. */
Nic *tl_add_nic_mac(Sim *sim, Host *h, const char *ifname, const uint8_t mac[6]);

/* The same with MAC 02:00:00:<host_id>:00:<n>. */
Nic *tl_add_nic(Sim *sim, Host *h, const char *ifname, uint8_t host_id, uint8_t n);

/* A loss-free cable a <-> b with 1 us of propagation, owned by the Sim. */
Link *tl_add_link(Sim *sim, Nic *a, Nic *b);

/* A fault named f<k> (k = the faults so far) of `kind` on `nic` at `at_ps`. */
void tl_add_fault(Sim *sim, uint64_t at_ps, SimFaultKind kind, Nic *nic);

/* A switch with `n_ports` 1 Gbit/s ports, owned by the Sim, its ports in
 * sim->nics. */
Switch *tl_add_switch(Sim *sim, const char *name, int n_ports, uint64_t aging_ps);

/* A bond "bond0" on a new host, slaves eth0..eth<n_slaves-1>. Zero fields
 * take the defaults in brackets. */
typedef struct {
    const char *opts;         /* bonding options, as on a scenario line */
    int n_slaves;             /* slaves to enslave */
    const char *host;         /* host name ["server"] */
    uint8_t host_id;          /* slave MACs 02:00:00:<host_id>:00:<i+1> [1] */
    const uint8_t *ip;        /* bond address, /24 [10.0.0.1] */
    const int32_t *prio;      /* per-slave prio [all 0] */
    const uint8_t *first_mac; /* eth0's MAC instead of the plan's (the bond MAC) */
    bool allow_unmodelled;    /* skip bond_params_check_modelled */
    bool no_ipv4;             /* give the bond no IPv4 address (ip unused) */
} TlBond;

/* The bond of `spec`. When the options are refused: a failed assertion at
 * `file`:`line` naming the options and the reason, and NULL. */
Bond *tl_add_bond_at(const char *file, int line, Sim *sim, const TlBond *spec);
#define tl_add_bond(sim, spec) tl_add_bond_at(__FILE__, __LINE__, sim, spec)

/* The usual server: bond0 on "server" (10.0.0.1/24) over n slaves, options
 * checked as modelled. */
#define tl_server_bond(sim, opts, n)                                                               \
    tl_add_bond(sim, (&(const TlBond){.opts = (opts), .n_slaves = (n)}))

/* Host "peer" with NIC p<i> (MAC 02:00:00:<host_id>:00:<i+1>, owner `owner`,
 * owner_index i, receive handler `rx`) cabled to each slave i of `b`. The
 * NICs go to `out` when it is not NULL. */
Host *tl_add_peer(Sim *sim, const Bond *b, uint8_t host_id, NicRxFn rx, void *owner, Nic **out);

/* A plain host `name` (one NIC eth0, MAC 02:00:00:<host_id>:00:01, address
 * ip/24) cabled to `port`. Returns its interface. */
Iface *tl_add_lan_host(Sim *sim, const char *name, uint8_t host_id, const uint8_t ip[4], Nic *port);

/* A host `name` with one 1 Gbit/s NIC eth0 (MAC `mac`, in sim->nics) and
 * address ip/24; `rx` (NULL: the default) receives what the NIC does. */
Host *tl_add_ip_host(Sim *sim, const char *name, const uint8_t mac[6], const uint8_t ip[4],
                     NicRxFn rx);

/* The addresses of tl_ip_pair's hosts: 10.0.0.1 and 10.0.0.2. */
extern const uint8_t tl_ip1[4], tl_ip2[4];

/* Two hosts back to back: h1 (tl_ip1/24, MAC 02:00:00:00:00:01) and h2
 * (tl_ip2/24, MAC 02:00:00:00:00:02), each by tl_add_ip_host with receive
 * handler rx1 / rx2, cabled with `delay_ps` of propagation and no loss. */
void tl_ip_pair(Sim *sim, uint64_t delay_ps, NicRxFn rx1, NicRxFn rx2, Host **h1, Host **h2);

/* Cables slave i of `b` to port first_port + i of `sw`. */
void tl_cable_slaves(Sim *sim, const Bond *b, Switch *sw, int first_port);

/* The LAN most bond tests run on: the server bond's slaves on sw1 ports
 * 1..n, host "client" (10.0.0.2/24, MAC 02:00:00:02:00:01) on port n+1. */
typedef struct {
    Sim *sim;
    Bond *bond;
    Switch *sw;
    Host *client;
    Iface *client_if;
} TlLan;

/* Builds it in a new Sim `name`. FALSE (the bond refused, with a failed
 * assertion) leaves lan->sim to be freed. */
gboolean tl_lan_build(TlLan *lan, const char *name, uint64_t end_ps, const TlBond *spec);

/* A UDP flow src -> dst:5001 from `sport`, 56-byte payload at `rate_bps`,
 * from `start_ps` to `stop_ps` (UINT64_MAX: no stop). `name` NULL: udp<k>. */
Flow *tl_add_udp(Sim *sim, const char *name, Host *src, const uint8_t dst[4], uint64_t rate_bps,
                 uint16_t sport, uint64_t start_ps, uint64_t stop_ps);

/* What a recording NIC received: time, port (its owner_index), the Ethernet
 * header and, for ARP, the fields a gratuitous ARP or a reply is told by. */
typedef struct {
    uint64_t time_ps;
    int port;
    uint8_t dst[6], src[6];
    uint16_t type;
    uint16_t arp_op;
    uint8_t sha[6], spa[4], tha[6], tpa[4];
} TlSeenArp;

/* A receive handler that appends a TlSeenArp to the GArray in nic->owner
 * and frees the frame. */
void tl_record_arp_rx(Sim *sim, Nic *nic, Frame *f);

/* A station: a stand-alone NIC "st<i>/eth0" (not owned by the Sim: free it
 * with nic_free after sim_free), owner `owner`, owner_index i, handler `rx`,
 * cabled to port i+1 of `sw`. Returns the NIC; the link goes to *link when
 * `link` is not NULL. */
Nic *tl_add_station(Sim *sim, Switch *sw, int i, const uint8_t mac[6], void *owner, NicRxFn rx,
                    Link **link);

/* ---- frame bytes ----------------------------------------------------------- */

/* Zeroes d[0..len) and writes an Ethernet header dst <- src, `type`. */
void tl_eth_header(uint8_t *d, uint32_t len, const uint8_t dst[6], const uint8_t src[6],
                   uint16_t type);

/* A broadcast ARP request (IPv4 over Ethernet) from sha/spa for tpa, target
 * MAC zero, in a minimum frame (60 bytes) at d. Returns its length. */
uint32_t tl_arp_request(uint8_t *d, const uint8_t sha[6], const uint8_t spa[4],
                        const uint8_t tpa[4]);

/* A frame under construction: bytes appended one header after another. */
typedef struct {
    uint8_t b[512];
    uint32_t len;
} TlBytes;

/* Appends n bytes (aborts past the 512 bytes). */
void tl_bytes_put(TlBytes *f, const void *p, uint32_t n);
void tl_bytes_be16(TlBytes *f, uint16_t v);
void tl_bytes_be32(TlBytes *f, uint32_t v);
/* An Ethernet header; the MACs as text ("00:11:22:33:44:55"). */
void tl_bytes_eth(TlBytes *f, const char *dst, const char *src, uint16_t type);

/* ---- the tap: frames hosts receive --------------------------------------- */

/* One frame received by a tapped NIC. */
typedef struct {
    uint64_t time_ps;
    int at; /* the receiving NIC's owner_index */
    uint32_t len;
    uint8_t data[1536];
} TlTapFrame;

/* The log (one per program: a Nic has no spare context pointer, its owner
 * being the Iface host_rx needs). Started empty, stopped (freed) per test. */
void tl_tap_start(void);
void tl_tap_stop(void);
/* Forgets what was logged so far. */
void tl_tap_clear(void);
guint tl_tap_len(void);
const TlTapFrame *tl_tap_at(guint i);
/* The nth frame (from 0) received at `at` that `match` accepts with `what`,
 * or NULL; and how many there are. */
typedef bool (*TlTapMatch)(const TlTapFrame *t, unsigned what);
const TlTapFrame *tl_tap_nth(int at, TlTapMatch match, unsigned what, guint nth);
guint tl_tap_count(int at, TlTapMatch match, unsigned what);
/* Receive handlers: log, then give the frame to host_rx (the NIC's owner is
 * an Iface) or free it (a recorder). */
void tl_tap_host_rx(Sim *sim, Nic *nic, Frame *f);
void tl_tap_record_rx(Sim *sim, Nic *nic, Frame *f);

/* Two hosts back to back, h1 (owner_index 0) and h2 (1), each with eth0
 * (one interface, no address yet) tapped into the log. */
typedef struct {
    Sim *sim;
    Host *h1, *h2;
    Iface *if1, *if2;
    Link *link;
} TlPair;

/* Starts the tap and builds the pair in Sim "t" with MACs mac1 and mac2 and
 * a link of `delay_ps`. */
void tl_pair_init(TlPair *p, uint64_t delay_ps, const uint8_t mac1[6], const uint8_t mac2[6]);
/* Frees the Sim and stops the tap. */
void tl_pair_clear(TlPair *p);

/* ---- running programs ------------------------------------------------------- */

/* One finished run of a program. */
typedef struct {
    int code;  /* exit status; -1 when it did not exit normally (signal) */
    char *out; /* stdout, owned, never NULL after a run */
    char *err; /* stderr, owned, never NULL after a run */
} TlRun;

void tl_run_clear(TlRun *r);

/* Runs argv[0] (searched in PATH unless it holds a '/'); no shell. A program
 * that cannot be started is a failed assertion and an empty run, code -1. */
TlRun tl_spawn(const char *const *argv);

/* The same in directory `cwd` (NULL: this one) with the environment `envp`
 * (NULL: this process's). */
TlRun tl_spawn_in(const char *cwd, const char *const *argv, char **envp);

/* Runs `program ARGS...` (the list ends with NULL). */
TlRun tl_spawnl(const char *program, ...) G_GNUC_NULL_TERMINATED;

/* Runs `program FIRST ARGS...` (the list ends with NULL). */
TlRun tl_spawn_va(const char *program, const char *first, va_list args);

/* Runs the built `bondsim ARGS...` (NULL-terminated). */
TlRun tl_bondsim(const char *first, ...) G_GNUC_NULL_TERMINATED;

/* The same with the arguments in a NULL-terminated array. */
TlRun tl_bondsim_argv(const char *const *args);

/* Runs the built `bondsim ARGS...` in directory `cwd` (NULL: this one). */
TlRun tl_bondsim_in(const char *cwd, const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Runs `tshark -r path ARGS...` (`args` NULL-terminated), tshark from PATH:
 * see that it is installed first. */
TlRun tl_tshark_r(const char *path, const char *const *args);

/* `err` (a tshark's stderr) holds nothing but the warning tshark prints when
 * run as root (as in CI). */
gboolean tl_tshark_stderr_clean(const char *err);

/* ---- scenario files, in-process --------------------------------------------- */

/* BONDSIM_SOURCE_DIR/scenarios/<file>. Caller frees. */
char *tl_scenario_path(const char *file);

/* cu_scratch_dir(dir_name)/<file_name> (the directory is emptied). Caller
 * frees. */
char *tl_scratch_file(const char *dir_name, const char *file_name);

/* Loads `path` with `opts` (NULL: the defaults) and, instead of opts->sets,
 * the --set overrides `sets` (NULL-terminated; NULL: none). NULL with
 * *error set when it does not load; with `error` NULL the reason is written
 * to stderr, after the path, instead. Caller frees the Sim. */
Sim *tl_scenario_load(const char *path, const ScenarioOptions *opts, const char *const *sets,
                      GError **error);

/* The same, then runs it to its end with a capture that records nothing. */
Sim *tl_scenario_run(const char *path, const ScenarioOptions *opts, const char *const *sets,
                     GError **error);

/* ---- looking into a Sim ---------------------------------------------------------- */

/* The host, flow, switch, bond ("host/bond0"), NIC of a host, fault index
 * of that name; NULL (-1) with a failed assertion naming it when there is
 * none. */
Host *tl_host_named(const Sim *sim, const char *name);
Flow *tl_flow_named(const Sim *sim, const char *name);
Switch *tl_switch_named(const Sim *sim, const char *name);
Bond *tl_bond_named(const Sim *sim, const char *full_name);
Nic *tl_nic_named(const Sim *sim, const char *host, const char *ifname);
int tl_fault_index(const Sim *sim, const char *name);

/* Time of the first event of `kind` on `subject` (NULL: any) at or after
 * `from`; G_MAXUINT64 when there is none. */
uint64_t tl_event_at(const Sim *sim, SimEventKind kind, const char *subject, uint64_t from);

/* Events of `kind` on `subject` (NULL: any). */
int tl_count_events(const Sim *sim, SimEventKind kind, const char *subject);

/* ---- text, JSON and files ------------------------------------------------------- */

/* `needle` (not empty) occurs in the `len` bytes at `data` (captures hold
 * NULs). */
gboolean tl_contains(const void *data, gsize len, const char *needle);

/* The '\n' characters in `text`. */
guint tl_count_newlines(const char *text);

/* The integer after `"key":` after the first `anchor` (NULL: from the
 * start) in a JSON text; -1 when either is absent. */
gint64 tl_json_int(const char *json, const char *anchor, const char *key);

/* Orders a GPtrArray of strings (g_ptr_array_sort) by strcmp. */
gint tl_cmp_str(gconstpointer a, gconstpointer b);

/* Sorted paths, relative to `dir`, of every file under it (recursively).
 * Caller frees. */
GPtrArray *tl_list_files(const char *dir);

/* The strings of `a` as "a, b, c", for messages. Caller frees. */
char *tl_join(const GPtrArray *a);

/* The file at `path` is longer than n bytes and starts with `magic`. */
gboolean tl_file_starts_with(const char *path, const char *magic, gsize n);

#endif
