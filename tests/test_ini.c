/* test_ini.c - the strict scenario key-file reader (sim/scenario/ini.c).
 *
 * Loads small texts from memory and checks values, line numbers, file
 * order, and the exact wording of the errors, since users see those.
 */
#include "scenario/ini.h"

#include "cu_run.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/* Records one assertion at the caller's line (CUnit copies the text). */
static void check(gboolean ok, int line, const char *what)
{
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, what, __FILE__, "", CU_FALSE);
}

static IniFile *load(const char *text)
{
    GError *error = NULL;
    IniFile *ini = ini_load_data("test.ini", text, strlen(text), &error);
    if (error != NULL)
        fprintf(stderr, "\n  unexpected error: %s\n", error->message);
    g_clear_error(&error);
    return ini;
}

/* Loading `len` bytes of `text` fails with exactly `message`. */
static void refused_len(const char *text, gsize len, const char *message, int line)
{
    GError *error = NULL;
    IniFile *ini = ini_load_data("test.ini", text, len, &error);
    gboolean ok = ini == NULL && error != NULL && error->domain == INI_ERROR &&
                  strcmp(error->message, message) == 0;
    char *what = g_strdup_printf("refused with \"%s\" (got \"%s\")", message,
                                 error != NULL ? error->message : "no error");
    check(ok, line, what);
    g_free(what);
    g_clear_error(&error);
    ini_free(ini);
}

#define REFUSED(text, message) refused_len(text, strlen(text), message, __LINE__)

static void message_is(GError **error, const char *expected, int line)
{
    gboolean ok =
        *error != NULL && (*error)->domain == INI_ERROR && strcmp((*error)->message, expected) == 0;
    char *what = g_strdup_printf("message \"%s\" (got \"%s\")", expected,
                                 *error != NULL ? (*error)->message : "no error");
    check(ok, line, what);
    g_free(what);
    g_clear_error(error);
}

static const char scenario[] = "# A scenario\n"                            /* 1 */
                               "\n"                                        /* 2 */
                               "[simulation]\n"                            /* 3 */
                               "duration = 10s\n"                          /* 4 */
                               "seed = 1\n"                                /* 5 */
                               "\n"                                        /* 6 */
                               "[host server]\n"                           /* 7 */
                               "bond0 = mode=active-backup miimon=100\n"   /* 8 */
                               "bond0.slaves = eth0 eth1\n"                /* 9 */
                               "   # an indented comment\n"                /* 10 */
                               "route.default = 10.0.0.1  # the gateway\n" /* 11 */
                               "[link]\n"                                  /* 12 */
                               "server.eth0 = sw1.1 delay=2us\n";          /* 13 */

static void lines_of_groups_and_keys(void)
{
    g_autoptr(IniFile) ini = load(scenario);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ini);
    CU_ASSERT_STRING_EQUAL(ini_file_name(ini), "test.ini");
    CU_ASSERT_EQUAL(ini_n_groups(ini), 3);
    CU_ASSERT_STRING_EQUAL(ini_group(ini, 0), "simulation");
    CU_ASSERT_STRING_EQUAL(ini_group(ini, 1), "host server");
    CU_ASSERT_STRING_EQUAL(ini_group(ini, 2), "link");
    CU_ASSERT_EQUAL(ini_line(ini, "simulation", NULL), 3);
    CU_ASSERT_EQUAL(ini_line(ini, "simulation", "duration"), 4);
    CU_ASSERT_EQUAL(ini_line(ini, "simulation", "seed"), 5);
    CU_ASSERT_EQUAL(ini_line(ini, "host server", NULL), 7);
    CU_ASSERT_EQUAL(ini_line(ini, "host server", "bond0"), 8);
    CU_ASSERT_EQUAL(ini_line(ini, "host server", "route.default"), 11);
    CU_ASSERT_EQUAL(ini_line(ini, "link", NULL), 12);
    CU_ASSERT_EQUAL(ini_line(ini, "link", "server.eth0"), 13);
    CU_ASSERT_EQUAL(ini_line(ini, "link", "nope"), 0);
    CU_ASSERT_EQUAL(ini_line(ini, "nope", NULL), 0);
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "simulation", "duration"), "10s");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "host server", "bond0"), "mode=active-backup miimon=100");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "host server", "bond0.slaves"), "eth0 eth1");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "link", "server.eth0"), "sw1.1 delay=2us");
    CU_ASSERT_PTR_NULL(ini_get(ini, "simulation", "nope"));
    CU_ASSERT_PTR_NULL(ini_get(ini, "nope", "duration"));
    CU_ASSERT_TRUE(ini_has_group(ini, "host server"));
    CU_ASSERT_FALSE(ini_has_group(ini, "host"));
}

static void keys_listed_in_file_order(void)
{
    g_autoptr(IniFile) ini = load("[b]\nzeta = 1\nalpha = 2\nmu = 3\n[a]\n[c]\nk = v\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ini);
    const char *const *keys = ini_keys(ini, "b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(keys);
    CU_ASSERT_STRING_EQUAL(keys[0], "zeta");
    CU_ASSERT_STRING_EQUAL(keys[1], "alpha");
    CU_ASSERT_STRING_EQUAL(keys[2], "mu");
    CU_ASSERT_PTR_NULL(keys[3]);
    const char *const *none = ini_keys(ini, "a");
    CU_ASSERT_PTR_NOT_NULL_FATAL(none);
    CU_ASSERT_PTR_NULL(none[0]);
    CU_ASSERT_PTR_NULL(ini_keys(ini, "missing"));
    CU_ASSERT_EQUAL(ini_n_groups(ini), 3);
    CU_ASSERT_STRING_EQUAL(ini_group(ini, 0), "b");
    CU_ASSERT_STRING_EQUAL(ini_group(ini, 1), "a");
    CU_ASSERT_STRING_EQUAL(ini_group(ini, 2), "c");
}

static void trailing_comment_stripped_hash_kept(void)
{
    g_autoptr(IniFile) ini = load("[v]\n"
                                  "rate = 10Gbit # fast link\n"
                                  "tab = a\t# after a tab\n"
                                  "only = # nothing but a comment\n"
                                  "color=#fff\n"
                                  "spaced_hash = #fff\n"
                                  "glued = a#b # but this goes\n"
                                  "two = a # b # c\n"
                                  "spaced =   x  y   \n"
                                  "empty =\n"
                                  "equals = a=b=c\n"
                                  "escape = a\\nb\\s\\\\\n"
                                  "list = a;b;\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ini);
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "rate"), "10Gbit");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "tab"), "a");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "only"), "");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "color"), "#fff");
    /* A blank then '#' starts a comment even right after '='. */
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "spaced_hash"), "");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "glued"), "a#b");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "two"), "a");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "spaced"), "x  y");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "empty"), "");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "equals"), "a=b=c");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "escape"), "a\\nb\\s\\\\");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "v", "list"), "a;b;");
}

static void crlf_blanks_and_last_line_without_newline(void)
{
    g_autoptr(IniFile) ini = load("[a]\r\n"
                                  "  k = v\r\n"
                                  "\t\r\n"
                                  "  [ spaced group ]  \t\n"
                                  "inner key = 1\n"
                                  "x=last");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ini);
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "a", "k"), "v");
    CU_ASSERT_TRUE(ini_has_group(ini, "spaced group"));
    CU_ASSERT_EQUAL(ini_line(ini, "spaced group", NULL), 4);
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "spaced group", "inner key"), "1");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "spaced group", "x"), "last");
    CU_ASSERT_EQUAL(ini_line(ini, "spaced group", "x"), 6);
}

static void empty_and_comment_only_files(void)
{
    g_autoptr(IniFile) empty = load("");
    CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
    CU_ASSERT_EQUAL(ini_n_groups(empty), 0);
    g_autoptr(IniFile) comments = load("# one\n\n   # two\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(comments);
    CU_ASSERT_EQUAL(ini_n_groups(comments), 0);
    g_autoptr(IniFile) terminated = ini_load_data("t.ini", "[a]\nk=v\n", (gsize)-1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(terminated);
    CU_ASSERT_STRING_EQUAL(ini_get(terminated, "a", "k"), "v");
}

static void duplicate_key_refused_with_both_lines(void)
{
    REFUSED("[simulation]\nseed = 1\n[link]\nserver.eth0 = sw1.1\n\nserver.eth0 = sw1.2\n",
            "test.ini:6: [link] server.eth0: key repeated (first at line 4)");
    /* Same key in two groups is fine. */
    g_autoptr(IniFile) ini = load("[a]\nk = 1\n[b]\nk = 2\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ini);
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "a", "k"), "1");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "b", "k"), "2");
}

static void duplicate_group_refused(void)
{
    REFUSED("[simulation]\n"
            "[link]\n"
            "a = 1\n"
            "[host x]\n"
            "\n"
            "[link]\n"
            "b = 2\n",
            "test.ini:6: [link]: group repeated (first at line 2)");
    REFUSED("[link]\n[ link ]\n", "test.ini:2: [link]: group repeated (first at line 1)");
}

static void bad_lines_refused_with_their_number(void)
{
    REFUSED("[a]\nk = v\nhello\n",
            "test.ini:3: 'hello' is not a [group] header, a key = value line or a # comment");
    REFUSED("[a]\n; old-style comment\n", "test.ini:2: ';' does not start a comment: use '#'");
    REFUSED("[a] # comment\n", "test.ini:1: '[a] # comment': nothing may follow ']' in a group "
                               "header (a comment goes on its own line)");
    REFUSED("[a]\n[b\n", "test.ini:2: '[b': a group header needs a closing ']'");
    REFUSED("[a]\n[]\n", "test.ini:2: '[]': the group name is empty");
    REFUSED("[a]\n[  ]\n", "test.ini:2: '[  ]': the group name is empty");
    REFUSED("[a[b]\n", "test.ini:1: '[a[b]': '[' is not allowed in a group name");
    REFUSED("[a\tb]\n", "test.ini:1: '[a\tb]': a tab is not allowed in a group name");
    REFUSED("[a]b]\n", "test.ini:1: '[a]b]': nothing may follow ']' in a group header (a comment "
                       "goes on its own line)");
    REFUSED("[a]\n\n  = v\n", "test.ini:3: '= v': the key before '=' is empty");
    REFUSED("\xef\xbb\xbf[a]\n", "test.ini:1: '\xef\xbb\xbf[a]' is not a [group] header, a key = "
                                 "value line or a # comment");
}

static void key_before_any_group_refused(void)
{
    REFUSED("# comment\nduration = 10s\n[simulation]\n",
            "test.ini:2: key 'duration' comes before any [group] header");
}

static void key_with_bracket_refused(void)
{
    REFUSED("[a]\nname[de] = Hallo\n", "test.ini:2: [a] name[de]: '[' and ']' are not allowed "
                                       "in keys (locale variants such as key[de] are not "
                                       "supported)");
    REFUSED("[a]\nk] = v\n", "test.ini:2: [a] k]: '[' and ']' are not allowed in keys (locale "
                             "variants such as key[de] are not supported)");
    REFUSED("[a]\nk[ = v\n", "test.ini:2: [a] k[: '[' and ']' are not allowed in keys (locale "
                             "variants such as key[de] are not supported)");
}

static void control_bytes_and_bad_utf8_refused(void)
{
    static const char nul[] = "[a]\nk = v\0w\n";
    refused_len(nul, sizeof nul - 1, "test.ini:2: the line contains a NUL byte", __LINE__);
    REFUSED("[a]\rk = v\n", "test.ini:1: the line contains control character 0x0d (a carriage "
                            "return not ending the line)");
    REFUSED("[a]\nk = \x01\n", "test.ini:2: the line contains control character 0x01 (only tab "
                               "is allowed)");
    REFUSED("[a]\nk = \xff\n", "test.ini:2: the line is not valid UTF-8");
    g_autoptr(IniFile) ini = load("[caf\xc3\xa9]\ncl\xc3\xa9 = \xc2\xb5s\tand tabs\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ini);
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "caf\xc3\xa9", "cl\xc3\xa9"), "\xc2\xb5s\tand tabs");
}

/* GKeyFile refuses "Encoding" in the first group unless it reads UTF-8: the
 * reader says so first, with a line number. */
static void encoding_key_follows_gkeyfile(void)
{
    REFUSED("[a]\nEncoding = latin1\n", "test.ini:2: [a] Encoding: in the first group this key "
                                        "names the file's character set and must be exactly "
                                        "UTF-8");
    REFUSED("[a]\nEncoding = UTF-8 # comment\n", "test.ini:2: [a] Encoding: in the first group "
                                                 "this key names the file's character set and "
                                                 "must be exactly UTF-8");
    g_autoptr(IniFile) first = load("[a]\nEncoding = utf-8\n");
    CU_ASSERT_PTR_NOT_NULL(first);
    g_autoptr(IniFile) second = load("[a]\n[b]\nEncoding = latin1\n");
    CU_ASSERT_PTR_NOT_NULL(second);
}

/* Whatever the reader accepts, GKeyFile accepts too, and whatever it
 * refuses carries a line number: the cross-check never has the last word. */
static void every_refusal_has_a_line(void)
{
    const char *texts[] = {
        "[a]\nk=v\n",
        "[a]\n=v\n",
        "[a]\n =v\n",
        "k=v\n[a]\n",
        "[a]\nk[de]=v\n",
        "[a]\nk]=v\n",
        "[a\tb]\nk=v\n",
        "[a]\n[a]\n",
        "[a]\nk=1\nk=2\n",
        "[a] x\n",
        "[a]x=1\n",
        "[a=b]\nk=v\n",
        "[a]\n\f\n",
        "[a]\nk\vb=v\n",
        "[a]\nEncoding=x\n",
        "[a]\n# c\nk = #v\n",
        "  [a]\n\tk\t=\tv\n",
        "[a]\nk = v \\\n",
        "[a]\nk\\=v\n",
        "[a]\n[b]]\n",
        "[a]\n\xc2\xa0k=v\n",
        "[a]\nk=v\r",
        "#\n;\n",
        "[a]\n\n\n\n\nx\n",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
        GError *error = NULL;
        IniFile *ini = ini_load_data("t.ini", texts[i], strlen(texts[i]), &error);
        GKeyFile *kf = g_key_file_new();
        gboolean glib_ok =
            g_key_file_load_from_data(kf, texts[i], strlen(texts[i]), G_KEY_FILE_NONE, NULL);
        g_key_file_free(kf);
        gboolean ok = ini != NULL ? glib_ok
                                  : error != NULL && g_str_has_prefix(error->message, "t.ini:") &&
                                        g_ascii_isdigit(error->message[6]);
        char *escaped = g_strescape(texts[i], NULL);
        char *what = g_strdup_printf("\"%s\": %s", escaped,
                                     error != NULL ? error->message : "accepted by both");
        check(ok, __LINE__, what);
        g_free(what);
        g_free(escaped);
        g_clear_error(&error);
        ini_free(ini);
    }
}

static void override_sets_value_and_says_set(void)
{
    g_autoptr(IniFile) ini = load(scenario);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ini);
    ini_override(ini, "simulation", "duration", "20s");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "simulation", "duration"), "20s");
    CU_ASSERT_EQUAL(ini_line(ini, "simulation", "duration"), 0);
    const char *const *keys = ini_keys(ini, "simulation");
    CU_ASSERT_STRING_EQUAL(keys[0], "duration"); /* keeps its place */
    CU_ASSERT_STRING_EQUAL(keys[1], "seed");
    CU_ASSERT_PTR_NULL(keys[2]);

    GError *error = NULL;
    CU_ASSERT_FALSE(ini_fail(ini, &error, "simulation", "duration", "'%s' is not a time", "x"));
    message_is(&error, "test.ini: --set simulation.duration: 'x' is not a time", __LINE__);

    ini_override(ini, "simulation", "stop", "1s");
    keys = ini_keys(ini, "simulation");
    CU_ASSERT_STRING_EQUAL(keys[2], "stop");
    CU_ASSERT_PTR_NULL(keys[3]);
    ini_fail(ini, &error, "simulation", "stop", "bad");
    message_is(&error, "test.ini: --set simulation.stop: bad", __LINE__);
    /* The group's own line is untouched. */
    ini_fail(ini, &error, "simulation", NULL, "bad");
    message_is(&error, "test.ini:3: [simulation]: bad", __LINE__);

    ini_override(ini, "fault cut", "at", "3s");
    CU_ASSERT_EQUAL(ini_n_groups(ini), 4);
    CU_ASSERT_STRING_EQUAL(ini_group(ini, 3), "fault cut");
    CU_ASSERT_EQUAL(ini_line(ini, "fault cut", NULL), 0);
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "fault cut", "at"), "3s");
    ini_fail(ini, &error, "fault cut", "at", "too late");
    message_is(&error, "test.ini: --set fault cut.at: too late", __LINE__);
    /* A group only --set made has no header line to show: the message
     * names the --set, whether or not the (absent) key is given. */
    ini_fail(ini, &error, "fault cut", NULL, "needs a link");
    message_is(&error, "test.ini: --set fault cut: needs a link", __LINE__);
    ini_fail(ini, &error, "fault cut", "link-down", "needs a link");
    message_is(&error, "test.ini: --set fault cut: needs a link", __LINE__);
    /* An absent key of a group of the file still points at its header. */
    ini_fail(ini, &error, "simulation", "hz", "missing");
    message_is(&error, "test.ini:3: [simulation] hz: missing", __LINE__);

    /* Values given on the command line are trimmed like those of the file. */
    ini_override(ini, "simulation", "seed", " \t7 ");
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "simulation", "seed"), "7");
}

static void fail_message_shapes(void)
{
    g_autoptr(IniFile) ini = load(scenario);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ini);
    GError *error = NULL;
    CU_ASSERT_FALSE(ini_fail(ini, &error, "simulation", "duration", "'%s' is not a time", "10s"));
    message_is(&error, "test.ini:4: [simulation] duration: '10s' is not a time", __LINE__);
    ini_fail(ini, &error, "host server", "bond0", "unknown mode %d", 9);
    message_is(&error, "test.ini:8: [host server] bond0: unknown mode 9", __LINE__);
    ini_fail(ini, &error, "link", NULL, "no links");
    message_is(&error, "test.ini:12: [link]: no links", __LINE__);
    ini_fail(ini, &error, "simulation", "rate", "required");
    message_is(&error, "test.ini:3: [simulation] rate: required", __LINE__);
    ini_fail(ini, &error, "switch", "ports", "required");
    message_is(&error, "test.ini: [switch] ports: required", __LINE__);
    ini_fail(ini, &error, NULL, NULL, "no [%s] group", "traffic");
    message_is(&error, "test.ini: no [traffic] group", __LINE__);
    ini_fail(ini, &error, NULL, "ignored", "plain");
    message_is(&error, "test.ini: plain", __LINE__);
    CU_ASSERT_FALSE(ini_fail(ini, NULL, "simulation", NULL, "no error wanted"));
    CU_ASSERT_STRING_EQUAL(g_quark_to_string(INI_ERROR), "ini-error-quark");
}

static void load_reads_file_and_names_it(void)
{
    g_autofree char *dir = cu_scratch_dir("ini");
    g_autofree char *path = g_build_filename(dir, "s.ini", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, "[a]\nk = v # c\nk = w\n", -1, NULL));
    GError *error = NULL;
    CU_ASSERT_PTR_NULL(ini_load(path, &error));
    g_autofree char *expected =
        g_strdup_printf("%s:3: [a] k: key repeated (first at line 2)", path);
    message_is(&error, expected, __LINE__);

    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, "[a]\nk = v # c\n", -1, NULL));
    g_autoptr(IniFile) ini = ini_load(path, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ini);
    CU_ASSERT_STRING_EQUAL(ini_file_name(ini), path);
    CU_ASSERT_STRING_EQUAL(ini_get(ini, "a", "k"), "v");
}

static void unreadable_file_says_why(void)
{
    g_autofree char *dir = cu_scratch_dir("ini-missing");
    g_autofree char *path = g_build_filename(dir, "absent.ini", NULL);
    GError *error = NULL;
    CU_ASSERT_PTR_NULL(ini_load(path, &error));
    g_autofree char *missing = g_strdup_printf("%s: cannot be read: %s", path, g_strerror(ENOENT));
    message_is(&error, missing, __LINE__);
    CU_ASSERT_PTR_NULL(ini_load(dir, &error));
    g_autofree char *is_dir = g_strdup_printf("%s: cannot be read: %s", dir, g_strerror(EISDIR));
    message_is(&error, is_dir, __LINE__);
    /* An endless file is refused after 64 MiB instead of read until memory
     * runs out. */
    if (g_file_test("/dev/zero", G_FILE_TEST_EXISTS)) {
        CU_ASSERT_PTR_NULL(ini_load("/dev/zero", &error));
        message_is(&error, "/dev/zero: larger than 64 MiB: not a scenario", __LINE__);
    }
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"lines_of_groups_and_keys", lines_of_groups_and_keys},
        {"keys_listed_in_file_order", keys_listed_in_file_order},
        {"trailing_comment_stripped_hash_kept", trailing_comment_stripped_hash_kept},
        {"crlf_blanks_and_last_line_without_newline", crlf_blanks_and_last_line_without_newline},
        {"empty_and_comment_only_files", empty_and_comment_only_files},
        {"duplicate_key_refused_with_both_lines", duplicate_key_refused_with_both_lines},
        {"duplicate_group_refused", duplicate_group_refused},
        {"bad_lines_refused_with_their_number", bad_lines_refused_with_their_number},
        {"key_before_any_group_refused", key_before_any_group_refused},
        {"key_with_bracket_refused", key_with_bracket_refused},
        {"control_bytes_and_bad_utf8_refused", control_bytes_and_bad_utf8_refused},
        {"encoding_key_follows_gkeyfile", encoding_key_follows_gkeyfile},
        {"every_refusal_has_a_line", every_refusal_has_a_line},
        {"override_sets_value_and_says_set", override_sets_value_and_says_set},
        {"fail_message_shapes", fail_message_shapes},
        {"load_reads_file_and_names_it", load_reads_file_and_names_it},
        {"unreadable_file_says_why", unreadable_file_says_why},
        CU_TEST_INFO_NULL,
    };
    return cu_run("ini", cases);
}
