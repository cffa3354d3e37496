/* test_badinput.c - what the `bondsim` command does with bad input: bad
 * scenarios, bad command lines, outputs that cannot be written.
 *
 * Every case runs the built binary (BONDSIM_BINARY) through g_spawn_sync and
 * checks three things: the exact exit status (1 invalid scenario or --set,
 * 2 bad command line, 3 output not written); one line on stderr, naming the
 * file, line, group and key where there is one ("FILE:LINE: [group] key:");
 * and nothing left in the -o directory (no capture, no stats.json, no .tmp).
 * The bad scenarios are small files in tests/data/bad/, each saying at its
 * top what it exercises and the message expected.
 */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cu_run.h"
#include "testlib.h"

#define DATA_DIR BONDSIM_SOURCE_DIR "/tests/data"
#define BAD_DIR DATA_DIR "/bad"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_OUTPUT = 3 };

/* ------------------------------------------------------------------------
 * Checks
 * ------------------------------------------------------------------------ */

/* Exit `code`, nothing on stdout, exactly one line on stderr that starts
 * with `prefix` and contains `needle` (may be NULL). */
static void expect_refusal(const TlRun *r, int code, const char *prefix, const char *needle,
                           int line)
{
    const char *nl = strchr(r->err, '\n');
    gboolean one_line = nl != NULL && nl[1] == '\0';
    tl_checkf(r->code == code, line, "exit status %d, want %d (stderr: %s)", r->code, code, r->err);
    tl_checkf(one_line, line, "exactly one line on stderr, got: \"%s\"", r->err);
    tl_checkf(g_str_has_prefix(r->err, prefix), line, "stderr starts with \"%s\", got: \"%s\"",
              prefix, r->err);
    if (needle != NULL)
        tl_checkf(strstr(r->err, needle) != NULL, line, "stderr contains \"%s\", got: \"%s\"",
                  needle, r->err);
    tl_checkf(r->out[0] == '\0', line, "nothing on stdout, got: \"%s\"", r->out);
}

/* Appends every regular file under `dir` (recursively) to `found`. */
static void list_files(const char *dir, GPtrArray *found)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
            list_files(path, found);
            g_free(path);
        } else {
            g_ptr_array_add(found, path);
        }
    }
    g_dir_close(d);
}

/* `dir` (which may not exist) holds no file at all: no capture, no
 * stats.json, no leftover .tmp. */
static void expect_no_outputs(const char *dir, int line)
{
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
    list_files(dir, found);
    for (guint i = 0; i < found->len; i++)
        tl_checkf(FALSE, line, "no output left behind, found %s", (char *)found->pdata[i]);
}

/* A fresh scratch directory for one case; `out` (not created) is where
 * bondsim is told to write. Caller frees both. */
static char *case_dir(const char *name, char **out)
{
    g_autofree char *rel = g_strdup_printf("badinput/%s", name);
    char *dir = cu_scratch_dir(rel);
    *out = g_build_filename(dir, "out", NULL);
    return dir;
}

/* Runs tests/data/bad/FILE; wants exit 1 and a message starting
 * "bondsim: PATH:LINE: [group] key:" (`where` is ":LINE: [group] key:")
 * that contains `needle`, and no output. */
static void expect_bad_scenario(const char *file, const char *where, const char *needle, int line)
{
    g_autofree char *path = g_build_filename(BAD_DIR, file, NULL);
    g_autofree char *out = NULL;
    g_autofree char *dir = case_dir(file, &out);
    TlRun r = tl_bondsim("run", path, "-q", "-o", out, NULL);
    g_autofree char *prefix = g_strdup_printf("bondsim: %s%s", path, where);
    expect_refusal(&r, EXIT_INPUT, prefix, needle, line);
    expect_no_outputs(dir, line);
    tl_run_clear(&r);
}

#define BAD_SCENARIO(file, where, needle) expect_bad_scenario(file, where, needle, __LINE__)

/* ------------------------------------------------------------------------
 * Tests: scenario files
 * ------------------------------------------------------------------------ */

static void missing_file_exits_1_naming_it(void)
{
    g_autofree char *out = NULL;
    g_autofree char *dir = case_dir("missing", &out);
    const char *path = BAD_DIR "/does-not-exist.ini";
    TlRun r = tl_bondsim("run", path, "-q", "-o", out, NULL);
    expect_refusal(&r, EXIT_INPUT, "bondsim: " BAD_DIR "/does-not-exist.ini: cannot be read",
                   "No such file", __LINE__);
    expect_no_outputs(dir, __LINE__);
    tl_run_clear(&r);
}

static void unknown_group_type_is_refused(void)
{
    BAD_SCENARIO("unknown-group.ini", ":10: [router r1]:", "unknown group type 'router'");
}

static void unknown_key_in_simulation_is_refused(void)
{
    BAD_SCENARIO("unknown-key-simulation.ini", ":6: [simulation] colour:", "unknown key");
}

static void unknown_key_in_host_is_refused(void)
{
    BAD_SCENARIO("unknown-key-host.ini", ":9: [host a] colour:", "unknown key");
}

static void unknown_key_in_switch_is_refused(void)
{
    BAD_SCENARIO("unknown-key-switch.ini", ":9: [switch sw1] colour:", "unknown key");
}

static void duplicate_key_names_both_lines(void)
{
    BAD_SCENARIO("duplicate-key.ini", ":9: [switch sw1] ports:", "first at line 8");
}

static void duplicate_group_names_both_lines(void)
{
    BAD_SCENARIO("duplicate-group.ini", ":10: [host a]:", "first at line 7");
}

/* Not an error: "1s # one second" is 1 s, "seed = 7 # ..." is 7. */
static void trailing_comment_is_accepted(void)
{
    const char *path = DATA_DIR "/trailing-comment.ini";
    TlRun v = tl_bondsim("validate", path, NULL);
    tl_checkf(v.code == EXIT_OK, __LINE__, "validate exits 0, got %d (stderr: %s)", v.code, v.err);
    tl_checkf(strstr(v.out, "valid") != NULL, __LINE__, "validate says valid, got: %s", v.out);
    tl_run_clear(&v);

    g_autofree char *out = NULL;
    g_autofree char *dir = case_dir("trailing-comment", &out);
    TlRun r = tl_bondsim("run", path, "-q", "-o", out, "--pcap-format", "none", NULL);
    tl_checkf(r.code == EXIT_OK, __LINE__, "run exits 0, got %d (stderr: %s)", r.code, r.err);
    g_autofree char *json_path = g_build_filename(out, "stats.json", NULL);
    g_autofree char *json = NULL;
    tl_checkf(g_file_get_contents(json_path, &json, NULL, NULL), __LINE__, "%s written", json_path);
    if (json != NULL) {
        tl_checkf(strstr(json, "\"seed\":7,") != NULL, __LINE__, "seed 7 in %s", json_path);
        tl_checkf(strstr(json, "\"duration_s\":1.000000000000") != NULL, __LINE__,
                  "duration 1 s in %s", json_path);
        tl_checkf(strstr(json, "mode=active-backup miimon=100") != NULL, __LINE__,
                  "bond options without the comment in %s", json_path);
    }
    tl_run_clear(&r);
}

static void bad_unit_is_refused(void)
{
    BAD_SCENARIO("bad-unit.ini", ":5: [simulation] duration:", "'10x' is not a time");
}

static void unknown_mode_lists_accepted_modes(void)
{
    BAD_SCENARIO("bad-mode.ini", ":11: [host server] bond.bond0: option 'mode':",
                 "'foo' is not a value; accepted balance-rr (0), active-backup (1), balance-xor "
                 "(2), broadcast (3), "
                 "802.3ad (4), balance-tlb (5), balance-alb (6)");
}

static void out_of_range_option_gives_range(void)
{
    BAD_SCENARIO("miimon-negative.ini",
                 ":11: [host server] bond.bond0: option 'miimon':", "accepted 0-2147483647");
    BAD_SCENARIO("packets-per-slave-range.ini",
                 ":11: [host server] bond.bond0: option 'packets_per_slave':",
                 "'70000' is out of range; accepted 0-65535");
}

static void option_invalid_in_mode_is_refused(void)
{
    BAD_SCENARIO("option-not-in-mode.ini", ":11: [host server] bond.bond0:",
                 "'packets_per_slave' is not valid in mode active-backup");
}

static void unmodelled_option_is_refused_by_name(void)
{
    /* every mode is modelled: an 802.3ad option that is not is the example */
    BAD_SCENARIO("not-modelled.ini", ":11: [host server] bond.bond0: option 'broadcast_neighbor'",
                 "does not model yet");
}

static void link_to_missing_nic_is_refused(void)
{
    BAD_SCENARIO("link-unknown-nic.ini", ":18: [links] client.eth7:", "no such NIC");
}

static void fault_on_missing_nic_is_refused(void)
{
    BAD_SCENARIO("fault-unknown-nic.ini", ":18: [fault cut] link-down:", "'server.eth9'");
}

static void fault_after_end_is_refused(void)
{
    BAD_SCENARIO("fault-after-end.ini", ":17: [fault cut] at:", "not before the end of the run");
}

/* ------------------------------------------------------------------------
 * Tests: outputs that cannot be written
 * ------------------------------------------------------------------------ */

static void output_under_regular_file_exits_3(void)
{
    g_autofree char *unused = NULL;
    g_autofree char *dir = case_dir("under-file", &unused);
    g_autofree char *file = g_build_filename(dir, "regular", NULL);
    tl_checkf(g_file_set_contents(file, "x", 1, NULL), __LINE__, "create %s", file);
    g_autofree char *out = g_build_filename(file, "out", NULL);
    static const char *const formats[] = {"pcapng", "pcap", "none"};
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        TlRun r = tl_bondsim("run", DATA_DIR "/minimal.ini", "-q", "-o", out, "--pcap-format",
                             formats[i], NULL);
        g_autofree char *prefix = g_strdup_printf("bondsim: output directory %s:", out);
        expect_refusal(&r, EXIT_OUTPUT, prefix, NULL, __LINE__);
        tl_run_clear(&r);
    }
    /* Only the regular file itself, unchanged. */
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
    list_files(dir, found);
    tl_checkf(found->len == 1, __LINE__, "only %s in %s, found %u files", file, dir, found->len);
    g_autofree char *text = NULL;
    tl_checkf(g_file_get_contents(file, &text, NULL, NULL) && strcmp(text, "x") == 0, __LINE__,
              "%s unchanged", file);
}

/* Root ignores file modes (tests run as root in CI), so a read-only
 * directory is one in /proc, where nothing can be created by anyone. */
static void output_in_read_only_dir_exits_3(void)
{
    static const char *const formats[] = {"pcapng", "pcap", "none"};
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        TlRun r = tl_bondsim("run", DATA_DIR "/minimal.ini", "-q", "-o", "/proc", "--pcap-format",
                             formats[i], NULL);
        expect_refusal(&r, EXIT_OUTPUT, "bondsim: ", "/proc/", __LINE__);
        tl_run_clear(&r);
    }
    static const char *const never[] = {"/proc/minimal.pcapng", "/proc/minimal.pcapng.tmp",
                                        "/proc/stats.json", "/proc/pcap"};
    for (size_t i = 0; i < G_N_ELEMENTS(never); i++)
        tl_checkf(!g_file_test(never[i], G_FILE_TEST_EXISTS), __LINE__, "%s not created", never[i]);

    /* A directory bondsim would have to create inside /proc. */
    TlRun r =
        tl_bondsim("run", DATA_DIR "/minimal.ini", "-q", "-o", "/proc/bondsim-badinput", NULL);
    expect_refusal(&r, EXIT_OUTPUT, "bondsim: output directory /proc/bondsim-badinput:", NULL,
                   __LINE__);
    tl_checkf(!g_file_test("/proc/bondsim-badinput", G_FILE_TEST_EXISTS), __LINE__,
              "/proc/bondsim-badinput not created");
    tl_run_clear(&r);

    if (geteuid() == 0) {
        fprintf(stderr, " (root: chmod 0555 test skipped) ");
        return;
    }
    g_autofree char *out = NULL;
    g_autofree char *dir = case_dir("read-only", &out);
    tl_checkf(g_mkdir(out, 0555) == 0, __LINE__, "create %s read-only", out);
    TlRun ro = tl_bondsim("run", DATA_DIR "/minimal.ini", "-q", "-o", out, NULL);
    g_autofree char *prefix = g_strdup_printf("bondsim: output directory %s:", out);
    expect_refusal(&ro, EXIT_OUTPUT, prefix, NULL, __LINE__);
    expect_no_outputs(dir, __LINE__);
    tl_run_clear(&ro);
}

/* ------------------------------------------------------------------------
 * Tests: --set
 * ------------------------------------------------------------------------ */

static void set_syntax_error_names_set(void)
{
    static const char *const bad[] = {"foo", "simulation.duration", "simulation=1s"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *out = NULL;
        g_autofree char *dir = case_dir("set-syntax", &out);
        TlRun r =
            tl_bondsim("run", DATA_DIR "/minimal.ini", "-q", "-o", out, "--set", bad[i], NULL);
        g_autofree char *prefix = g_strdup_printf("bondsim: --set %s:", bad[i]);
        expect_refusal(&r, EXIT_INPUT, prefix, "GROUP.KEY=VALUE", __LINE__);
        expect_no_outputs(dir, __LINE__);
        tl_run_clear(&r);
    }
}

static void set_unknown_key_says_set(void)
{
    static const struct {
        const char *set;    /* the --set argument */
        const char *prefix; /* stderr starts with this */
        const char *needle; /* and contains this */
    } cases[] = {
        {"simulation.colour=red",
         "bondsim: " DATA_DIR "/minimal.ini: --set simulation.colour:", "unknown key"},
        {"host.a.colour=red",
         "bondsim: " DATA_DIR "/minimal.ini: --set host a.colour:", "unknown key"},
        {"simulaton.duration=1s", "bondsim: --set simulaton.duration=1s:",
         "unknown group type 'simulaton' (accepted: simulation, links, host.NAME, switch.NAME, "
         "nat.NAME, traffic.NAME, fault.NAME)"},
        {"host.a=1", "bondsim: --set host.a=1:", "host.NAME.KEY=VALUE"},
        /* an empty NAME or KEY */
        {"host..eth0=1", "bondsim: --set host..eth0=1:", "host.NAME.KEY=VALUE"},
        {"host.a.=1", "bondsim: --set host.a.=1:", "host.NAME.KEY=VALUE"},
        {"simulation.=1", "bondsim: --set simulation.=1:", "KEY of GROUP.KEY=VALUE is empty"},
        /* a group only --set made: no header line to point at, the --set is named */
        {"fault.cut.at=50ms",
         "bondsim: " DATA_DIR "/minimal.ini: --set fault cut:", "a fault needs an action"},
        /* interface names as the kernel's dev_valid_name takes them */
        {"host.a.nic.e/1=speed=1G", "bondsim: " DATA_DIR "/minimal.ini: --set host a.nic.e/1:",
         "interface name must be 1-15 characters without '.', '/', ':' or blanks"},
        {"host.a.bond.b:0=mode=1", "bondsim: " DATA_DIR "/minimal.ini: --set host a.bond.b:0:",
         "bond name must be 1-15 characters"},
        {"host.a.nic.eth0123456789abc=speed=1G",
         "bondsim: " DATA_DIR "/minimal.ini: --set host a.nic.eth0123456789abc:",
         "interface name must be"},
        /* --set values are trimmed like values in the file */
        {"simulation.duration= 0s ",
         "bondsim: " DATA_DIR "/minimal.ini: --set simulation.duration:", "must be above 0"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = NULL;
        g_autofree char *dir = case_dir("set-unknown", &out);
        TlRun r = tl_bondsim("run", DATA_DIR "/minimal.ini", "-q", "-o", out, "--set", cases[i].set,
                             NULL);
        expect_refusal(&r, EXIT_INPUT, cases[i].prefix, cases[i].needle, __LINE__);
        expect_no_outputs(dir, __LINE__);
        tl_run_clear(&r);
    }
}

/* A TCP connection from a host without an IPv4 address: one line naming the
 * key and the missing address (it used to pass a NULL address on to
 * tcp_conn_new, print a GLib critical and blame the ports). */
static void tcp_from_host_without_address_is_refused(void)
{
    g_autofree char *out = NULL;
    g_autofree char *dir = case_dir("tcp-no-address", &out);
    TlRun r = tl_bondsim("run", DATA_DIR "/minimal.ini", "-q", "-o", out, "--set",
                         "host.b.nic.eth0=speed=1G", "--set", "host.b.addr.eth0=10.0.0.2/24",
                         "--set", "traffic.t.tcp=a -> b", NULL);
    expect_refusal(&r, EXIT_INPUT, "bondsim: " DATA_DIR "/minimal.ini: --set traffic t.tcp:",
                   "host a has no IPv4 address", __LINE__);
    expect_no_outputs(dir, __LINE__);
    tl_run_clear(&r);
}

/* SIM_MAX_NICS counts switch ports too: 17 switches of 256 ports are 4352. */
static void too_many_switch_ports_are_refused(void)
{
    g_autofree char *out = NULL;
    g_autofree char *dir = case_dir("switch-ports", &out);
    g_autofree char *path = g_build_filename(dir, "ports.ini", NULL);
    GString *text = g_string_new("[simulation]\nformat = 1\nduration = 1s\n");
    for (int i = 0; i < 17; i++)
        g_string_append_printf(text, "[switch s%d]\nports = 256\n", i);
    tl_checkf(g_file_set_contents(path, text->str, -1, NULL), __LINE__, "write %s", path);
    g_string_free(text, TRUE);
    /* the 17th switch: header at line 36, its ports key at 37 */
    TlRun r = tl_bondsim("validate", path, NULL);
    g_autofree char *prefix = g_strdup_printf("bondsim: %s:37: [switch s16] ports:", path);
    expect_refusal(&r, EXIT_INPUT, prefix, "more than 4096 NICs and switch ports", __LINE__);
    tl_run_clear(&r);
}

/* SIM_MAX_FLOWS: three groups of 4096 flows pass the group limit, the third
 * takes the run past 8192 flows and is refused at its line. */
static void too_many_flows_are_refused(void)
{
    g_autofree char *out = NULL;
    g_autofree char *dir = case_dir("flows", &out);
    g_autofree char *path = g_build_filename(dir, "flows.ini", NULL);
    GString *text = g_string_new("[simulation]\nformat = 1\nduration = 1s\n"
                                 "[host a]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.0.1/24\n"
                                 "[host b]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.0.2/24\n"
                                 "[links]\na.eth0 = b.eth0\n");
    for (int i = 1; i <= 3; i++)
        g_string_append_printf(text,
                               "[traffic t%d]\nudp = a -> b rate=1kbit flows=4096 vary=sport\n", i);
    tl_checkf(g_file_set_contents(path, text->str, -1, NULL), __LINE__, "write %s", path);
    g_string_free(text, TRUE);
    /* [traffic t3] is at line 16, its udp key at 17 */
    TlRun r = tl_bondsim("validate", path, NULL);
    g_autofree char *prefix = g_strdup_printf("bondsim: %s:17: [traffic t3] udp:", path);
    expect_refusal(&r, EXIT_INPUT, prefix, "more than 8192 flows", __LINE__);
    tl_run_clear(&r);
}

/* ------------------------------------------------------------------------
 * Tests: command line
 * ------------------------------------------------------------------------ */

static void unknown_command_exits_2(void)
{
    TlRun r = tl_bondsim("frob", DATA_DIR "/minimal.ini", NULL);
    expect_refusal(&r, EXIT_USAGE, "bondsim: unknown command 'frob'", NULL, __LINE__);
    tl_run_clear(&r);
}

static void missing_file_argument_exits_2(void)
{
    g_autofree char *out = NULL;
    g_autofree char *dir = case_dir("no-file", &out);
    TlRun r = tl_bondsim("run", "-q", "-o", out, NULL);
    expect_refusal(&r, EXIT_USAGE, "bondsim run: ", "scenario FILE", __LINE__);
    expect_no_outputs(dir, __LINE__);
    tl_run_clear(&r);
    TlRun v = tl_bondsim("validate", NULL);
    expect_refusal(&v, EXIT_USAGE, "bondsim validate: ", "scenario FILE", __LINE__);
    tl_run_clear(&v);
}

static void bad_pcap_format_exits_2(void)
{
    g_autofree char *out = NULL;
    g_autofree char *dir = case_dir("pcap-format", &out);
    TlRun r = tl_bondsim("run", DATA_DIR "/minimal.ini", "-o", out, "--pcap-format=foo", NULL);
    expect_refusal(&r, EXIT_USAGE, "bondsim: --pcap-format 'foo'", "pcapng", __LINE__);
    expect_no_outputs(dir, __LINE__);
    tl_run_clear(&r);
}

/* run and compare share the --pcap-format and --snaplen checks. */
static void bad_capture_args_exit_2_in_run_and_compare(void)
{
    static const char *const cmds[] = {"run", "compare"};
    for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
        g_autofree char *out = NULL;
        g_autofree char *dir = case_dir("capture-args", &out);
        TlRun f = tl_bondsim(cmds[i], DATA_DIR "/minimal.ini", "-q", "-o", out,
                             "--pcap-format=pcapx", NULL);
        expect_refusal(&f, EXIT_USAGE, "bondsim: --pcap-format 'pcapx'", "pcapng", __LINE__);
        tl_run_clear(&f);
        TlRun n =
            tl_bondsim(cmds[i], DATA_DIR "/minimal.ini", "-q", "-o", out, "--snaplen=-1", NULL);
        expect_refusal(&n, EXIT_USAGE, "bondsim: --snaplen -1:", "262144", __LINE__);
        tl_run_clear(&n);
        expect_no_outputs(dir, __LINE__);
    }
}

static void unknown_option_exits_2(void)
{
    g_autofree char *out = NULL;
    g_autofree char *dir = case_dir("unknown-option", &out);
    TlRun r = tl_bondsim("run", DATA_DIR "/minimal.ini", "-o", out, "--frobnicate", NULL);
    expect_refusal(&r, EXIT_USAGE, "bondsim run: ", "--frobnicate", __LINE__);
    expect_no_outputs(dir, __LINE__);
    tl_run_clear(&r);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"missing_file_exits_1_naming_it", missing_file_exits_1_naming_it},
        {"unknown_group_type_is_refused", unknown_group_type_is_refused},
        {"unknown_key_in_simulation_is_refused", unknown_key_in_simulation_is_refused},
        {"unknown_key_in_host_is_refused", unknown_key_in_host_is_refused},
        {"unknown_key_in_switch_is_refused", unknown_key_in_switch_is_refused},
        {"duplicate_key_names_both_lines", duplicate_key_names_both_lines},
        {"duplicate_group_names_both_lines", duplicate_group_names_both_lines},
        {"trailing_comment_is_accepted", trailing_comment_is_accepted},
        {"bad_unit_is_refused", bad_unit_is_refused},
        {"unknown_mode_lists_accepted_modes", unknown_mode_lists_accepted_modes},
        {"out_of_range_option_gives_range", out_of_range_option_gives_range},
        {"option_invalid_in_mode_is_refused", option_invalid_in_mode_is_refused},
        {"unmodelled_option_is_refused_by_name", unmodelled_option_is_refused_by_name},
        {"link_to_missing_nic_is_refused", link_to_missing_nic_is_refused},
        {"fault_on_missing_nic_is_refused", fault_on_missing_nic_is_refused},
        {"fault_after_end_is_refused", fault_after_end_is_refused},
        {"output_under_regular_file_exits_3", output_under_regular_file_exits_3},
        {"output_in_read_only_dir_exits_3", output_in_read_only_dir_exits_3},
        {"set_syntax_error_names_set", set_syntax_error_names_set},
        {"set_unknown_key_says_set", set_unknown_key_says_set},
        {"tcp_from_host_without_address_is_refused", tcp_from_host_without_address_is_refused},
        {"too_many_switch_ports_are_refused", too_many_switch_ports_are_refused},
        {"too_many_flows_are_refused", too_many_flows_are_refused},
        {"unknown_command_exits_2", unknown_command_exits_2},
        {"missing_file_argument_exits_2", missing_file_argument_exits_2},
        {"bad_pcap_format_exits_2", bad_pcap_format_exits_2},
        {"bad_capture_args_exit_2_in_run_and_compare", bad_capture_args_exit_2_in_run_and_compare},
        {"unknown_option_exits_2", unknown_option_exits_2},
        CU_TEST_INFO_NULL,
    };
    return cu_run("badinput", cases);
}
