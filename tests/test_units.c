/* test_units.c - parsing and printing of times, rates, sizes, counts,
 * fractions, MAC and IPv4 addresses (sim/util/units.c).
 *
 * Values are checked exactly, in picoseconds, bits per second and bytes;
 * refusals are checked for the output being left alone and, for a few, for
 * the exact message.
 */
#include "util/units.h"

#include "cu_run.h"

#include <stdio.h>
#include <string.h>

/* Records one assertion at the caller's line with a readable description
 * (CUnit copies the text). */
static void check(gboolean ok, int line, const char *what)
{
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, what, __FILE__, "", CU_FALSE);
}

typedef gboolean (*ParseU64)(const char *s, uint64_t *out, GError **error);

static gboolean parse_time(const char *s, uint64_t *out, GError **error)
{
    return units_parse_time_ps(s, 0, out, error);
}

static gboolean parse_time_default_ms(const char *s, uint64_t *out, GError **error)
{
    return units_parse_time_ps(s, PS_PER_MS, out, error);
}

static gboolean parse_uint_0_100(const char *s, uint64_t *out, GError **error)
{
    return units_parse_uint(s, 0, 100, out, error);
}

static void u64_is(ParseU64 parse, const char *s, uint64_t expected, int line)
{
    uint64_t v = 0;
    GError *error = NULL;
    gboolean ok = parse(s, &v, &error) && v == expected;
    char *what = g_strdup_printf("'%s' -> %" G_GUINT64_FORMAT " (got %" G_GUINT64_FORMAT ", %s)", s,
                                 expected, v, error != NULL ? error->message : "no error");
    check(ok, line, what);
    g_free(what);
    g_clear_error(&error);
}

/* `message` NULL: any message will do. */
static void u64_refused(ParseU64 parse, const char *s, const char *message, int line)
{
    uint64_t v = 777;
    GError *error = NULL;
    gboolean accepted = parse(s, &v, &error);
    gboolean ok = !accepted && v == 777 && error != NULL && error->domain == UNITS_ERROR &&
                  (message == NULL || strcmp(error->message, message) == 0);
    char *what = g_strdup_printf(
        "'%s' refused with \"%s\" (got %s, \"%s\")", s, message != NULL ? message : "any message",
        accepted ? "accepted" : "refused", error != NULL ? error->message : "no error");
    check(ok, line, what);
    g_free(what);
    g_clear_error(&error);
}

#define TIME_IS(s, ps) u64_is(parse_time, s, ps, __LINE__)
#define TIME_MS_IS(s, ps) u64_is(parse_time_default_ms, s, ps, __LINE__)
#define TIME_REFUSED(s, msg) u64_refused(parse_time, s, msg, __LINE__)
#define RATE_IS(s, bps) u64_is(units_parse_rate_bps, s, bps, __LINE__)
#define RATE_REFUSED(s, msg) u64_refused(units_parse_rate_bps, s, msg, __LINE__)
#define SIZE_IS(s, bytes) u64_is(units_parse_size, s, bytes, __LINE__)
#define SIZE_REFUSED(s, msg) u64_refused(units_parse_size, s, msg, __LINE__)
#define UINT_IS(s, v) u64_is(parse_uint_0_100, s, v, __LINE__)
#define UINT_REFUSED(s, msg) u64_refused(parse_uint_0_100, s, msg, __LINE__)

#define TIME_EXPECT "use a number and a unit among ps, ns, us, ms, s, m (e.g. 250ms, 1.5s)"

/* ---- times ------------------------------------------------------------- */

static void time_decimals_are_exact(void)
{
    TIME_IS("12.304us", UINT64_C(12304000));
    TIME_IS("1230.4ns", UINT64_C(1230400));
    TIME_IS("30.76ns", UINT64_C(30760));
    TIME_IS("1.5s", UINT64_C(1500000000000));
    TIME_IS("0.1s", UINT64_C(100000000000));
    TIME_IS("0.000000000001s", UINT64_C(1));
    TIME_IS(".5ms", UINT64_C(500000000));
    TIME_IS("5.ms", UINT64_C(5000000000));
    TIME_IS("3.104s", UINT64_C(3104000000000));
}

static void time_units_scale_to_ps(void)
{
    TIME_IS("2ps", UINT64_C(2));
    TIME_IS("100ns", UINT64_C(100000));
    TIME_IS("5us", UINT64_C(5000000));
    TIME_IS("5\xc2\xb5s", UINT64_C(5000000)); /* µs, micro sign */
    TIME_IS("5\xce\xbcs", UINT64_C(5000000)); /* μs, Greek mu */
    TIME_IS("250ms", UINT64_C(250000000000));
    TIME_IS("10s", UINT64_C(10000000000000));
    TIME_IS("1m", UINT64_C(60000000000000));
    TIME_IS("1.5m", UINT64_C(90000000000000));
    TIME_IS("0s", UINT64_C(0));
    TIME_IS("007ms", UINT64_C(7000000000));
}

static void time_accepts_space_before_unit(void)
{
    TIME_IS("12.304 us", UINT64_C(12304000));
    TIME_IS("3.104 s", UINT64_C(3104000000000));
}

static void time_rounds_to_nearest_ps(void)
{
    TIME_IS("0.4ps", UINT64_C(0));
    TIME_IS("0.5ps", UINT64_C(1));
    TIME_IS("2.49ps", UINT64_C(2));
    TIME_IS("1.0004ns", UINT64_C(1000));
    TIME_IS("1.0005ns", UINT64_C(1001));
    TIME_IS("0.1234567us", UINT64_C(123457));
    TIME_IS("0.00000000000049999999999999s", UINT64_C(0));
    TIME_IS("0.0000000000005s", UINT64_C(1));
    /* 1/60 of a ps per digit: 0.0000000000000083333 m = 0.49999... ps */
    TIME_IS("0.0000000000000083333m", UINT64_C(0));
    TIME_IS("0.0000000000000083334m", UINT64_C(1));
}

static void time_bare_number_takes_default_unit(void)
{
    TIME_MS_IS("100", UINT64_C(100000000000));
    TIME_MS_IS("1.5", UINT64_C(1500000000));
    TIME_MS_IS("0", UINT64_C(0));
    TIME_MS_IS("100us", UINT64_C(100000000));
    TIME_REFUSED("100", "'100' needs a unit: e.g. 100ms or 100s (units: ps, ns, us, ms, s, m)");
}

static void time_refuses_overflow(void)
{
    const char *too_long = "'%s' is too long a time: at most 100 days";
    const char *cases[] = {
        "8640000.000000000001s",       "144001m",
        "18446744073709551615ps",      "18446744073709551616ps",
        "99999999999999999999999999s",
    };
    TIME_IS("8640000s", UINT64_C(8640000000000000000));
    TIME_IS("144000m", UINT64_C(8640000000000000000));
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *message = g_strdup_printf(too_long, cases[i]);
        TIME_REFUSED(cases[i], message);
        g_free(message);
    }
}

static void time_refuses_junk(void)
{
    CU_ASSERT_STRING_EQUAL(g_quark_to_string(UNITS_ERROR), "units-error-quark");
    TIME_REFUSED("10x", "'10x' is not a time: " TIME_EXPECT);
    TIME_REFUSED("", "an empty value is not a time: " TIME_EXPECT);
    TIME_REFUSED("-5s", "'-5s' is not a time: it cannot be negative");
    TIME_REFUSED("-0.5ms", "'-0.5ms' is not a time: it cannot be negative");
    const char *junk[] = {"s",      "10s5",  "1.2.3s", "+5s",   " 10s",  "10s ",
                          "10 ",    "1e3s",  "0x10s",  "10S",   "10sec", ".s",
                          "10 s s", "10\ts", "10ms2",  "ten s", "1,5s",  "10 m s"};
    for (gsize i = 0; i < G_N_ELEMENTS(junk); i++)
        TIME_REFUSED(junk[i], NULL);
}

/* ---- rates -------------------------------------------------------------- */

static void rate_suffixes_are_exact(void)
{
    RATE_IS("1G", UINT64_C(1000000000));
    RATE_IS("10Gbit", UINT64_C(10000000000));
    RATE_IS("500Mbit", UINT64_C(500000000));
    RATE_IS("400G", UINT64_C(400000000000));
    RATE_IS("2.5G", UINT64_C(2500000000));
    RATE_IS("1.5Gbit", UINT64_C(1500000000));
    RATE_IS("100Mbps", UINT64_C(100000000));
    RATE_IS("100M", UINT64_C(100000000));
    RATE_IS("64k", UINT64_C(64000));
    RATE_IS("64K", UINT64_C(64000));
    RATE_IS("1Gbps", UINT64_C(1000000000));
    RATE_IS("1T", UINT64_C(1000000000000));
    RATE_IS("1000", UINT64_C(1000));
    RATE_IS("1000bit", UINT64_C(1000));
    RATE_IS("10 Gb/s", UINT64_C(10000000000));
    RATE_IS("1.5kbit/s", UINT64_C(1500));
    RATE_IS("100mbit", UINT64_C(100000000)); /* tc's spelling */
    RATE_IS("1.0000000001G", UINT64_C(1000000000));
    RATE_IS("1.0000000005G", UINT64_C(1000000001));
}

static void rate_refuses_bytes_zero_and_junk(void)
{
    RATE_REFUSED("10GB", "'10GB' is in bytes (B): rates are in bits per second, e.g. 8Gbit for "
                         "1 GB/s");
    RATE_REFUSED("10GBps", NULL);
    RATE_REFUSED("1 MB/s", NULL);
    RATE_REFUSED("0", "'0' is not a usable rate: it must be at least 1 bit/s");
    RATE_REFUSED("0G", NULL);
    RATE_REFUSED("0.4", NULL);
    RATE_REFUSED("-1G", "'-1G' is not a rate: it cannot be negative");
    RATE_REFUSED("", "an empty value is not a rate: use a number, optionally followed by k, M, "
                     "G or T and then bit, bps or b/s (e.g. 10Gbit, 500Mbit, 1G)");
    RATE_REFUSED("99999999999T", "'99999999999T' is too large a rate");
    const char *junk[] = {"10X", "10Gbits", "1e9", "G", "10 G bit", "10Gb/", "10 ", "1ms"};
    for (gsize i = 0; i < G_N_ELEMENTS(junk); i++)
        RATE_REFUSED(junk[i], NULL);
}

/* ---- sizes and counts --------------------------------------------------- */

static void size_decimal_and_binary_multipliers(void)
{
    SIZE_IS("1500", 1500);
    SIZE_IS("0", 0);
    SIZE_IS("1500B", 1500);
    SIZE_IS("9k", 9000);
    SIZE_IS("9K", 9000);
    SIZE_IS("1.5k", 1500);
    SIZE_IS("2M", 2000000);
    SIZE_IS("2G", UINT64_C(2000000000));
    SIZE_IS("64KiB", 65536);
    SIZE_IS("1MiB", 1048576);
    SIZE_IS("1GiB", UINT64_C(1073741824));
    SIZE_IS("0.5KiB", 512);
}

static void size_refuses_fractions_and_junk(void)
{
    SIZE_REFUSED("1.5", "'1.5' is not a whole number of bytes");
    SIZE_REFUSED("1.0001k", "'1.0001k' is not a whole number of bytes");
    SIZE_REFUSED("9x", "'9x' is not a size: use a number of bytes, optionally followed by k, M, "
                       "G (x1000) or KiB, MiB, GiB (x1024) (e.g. 1500, 9k, 64KiB)");
    SIZE_REFUSED("20000000000G", "'20000000000G' is too large a size");
    SIZE_REFUSED("-1", "'-1' is not a size: it cannot be negative");
    const char *junk[] = {"", "k", "9kib", "9Ki", "1 ", "0x10"};
    for (gsize i = 0; i < G_N_ELEMENTS(junk); i++)
        SIZE_REFUSED(junk[i], NULL);
}

static gboolean parse_uint_max(const char *s, uint64_t *out, GError **error)
{
    return units_parse_uint(s, 1, UINT64_MAX, out, error);
}

static void uint_checks_range_and_digits(void)
{
    UINT_IS("42", 42);
    UINT_IS("0", 0);
    UINT_IS("100", 100);
    UINT_IS("007", 7);
    UINT_REFUSED("101", "'101' is not a whole number from 0 to 100");
    UINT_REFUSED("", "an empty value is not a whole number from 0 to 100");
    const char *junk[] = {"-1", "1.0", " 1", "1 ", "+1", "0x1", "1e2", "18446744073709551616"};
    for (gsize i = 0; i < G_N_ELEMENTS(junk); i++)
        UINT_REFUSED(junk[i], NULL);
    u64_is(parse_uint_max, "18446744073709551615", UINT64_MAX, __LINE__);
    u64_refused(parse_uint_max, "18446744073709551616", NULL, __LINE__);
    u64_refused(parse_uint_max, "0", "'0' is not a whole number from 1 to 18446744073709551615",
                __LINE__);
}

/* ---- fractions ---------------------------------------------------------- */

static void fraction_is(const char *s, double expected, int line)
{
    double v = -1;
    GError *error = NULL;
    gboolean ok = units_parse_fraction(s, 0.0, 1.0, &v, &error) && v == expected;
    char *what = g_strdup_printf("fraction '%s' -> %g (got %g)", s, expected, v);
    check(ok, line, what);
    g_free(what);
    g_clear_error(&error);
}

static void fraction_refused(const char *s, const char *message, int line)
{
    double v = -1;
    GError *error = NULL;
    gboolean ok = !units_parse_fraction(s, 0.0, 1.0, &v, &error) && v == -1 && error != NULL &&
                  (message == NULL || strcmp(error->message, message) == 0);
    char *what = g_strdup_printf("fraction '%s' refused (%s)", s,
                                 error != NULL ? error->message : "no error");
    check(ok, line, what);
    g_free(what);
    g_clear_error(&error);
}

static void fraction_decimal_or_percent(void)
{
    fraction_is("0.01", 0.01, __LINE__);
    fraction_is("1%", 0.01, __LINE__);
    fraction_is("0.5%", 0.005, __LINE__);
    fraction_is("0", 0.0, __LINE__);
    fraction_is("1", 1.0, __LINE__);
    fraction_is("100%", 1.0, __LINE__);
    fraction_is(".25", 0.25, __LINE__);
    fraction_refused("1.5", "'1.5' is out of range: expected a fraction from 0 to 1", __LINE__);
    fraction_refused("101%", NULL, __LINE__);
    fraction_refused("-0.1", NULL, __LINE__);
    fraction_refused("abc",
                     "'abc' is not a fraction: use a decimal number such as 0.01 or a "
                     "percentage such as 1%",
                     __LINE__);
    const char *junk[] = {"", "%", "1e-3", "0.1 ", "nan", "inf", "1%%", "0x1", "-"};
    for (gsize i = 0; i < G_N_ELEMENTS(junk); i++)
        fraction_refused(junk[i], NULL, __LINE__);
}

/* ---- addresses ---------------------------------------------------------- */

static void mac_colon_or_dash(void)
{
    uint8_t mac[6] = {0};
    const uint8_t expected[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x0a};
    CU_ASSERT_TRUE(units_parse_mac("02:00:00:00:01:0a", mac, NULL));
    CU_ASSERT_EQUAL(memcmp(mac, expected, 6), 0);
    memset(mac, 0, sizeof mac);
    CU_ASSERT_TRUE(units_parse_mac("02-00-00-00-01-0A", mac, NULL));
    CU_ASSERT_EQUAL(memcmp(mac, expected, 6), 0);
    CU_ASSERT_TRUE(units_parse_mac("FF:ff:Ff:fF:00:99", mac, NULL));
    CU_ASSERT_EQUAL(mac[0], 0xff);
    CU_ASSERT_EQUAL(mac[5], 0x99);
}

static void mac_refuses_malformed(void)
{
    const char *bad[] = {"",
                         "02:00:00:00:01",
                         "02:00:00:00:01:01:03",
                         "02:00-00:00:01:01",
                         "2:0:0:0:1:1",
                         "02:00:00:00:01:0g",
                         "02.00.00.00.01.01",
                         "0200.0000.0101",
                         " 02:00:00:00:01:01"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        uint8_t mac[6] = {9, 9, 9, 9, 9, 9};
        GError *error = NULL;
        gboolean ok = !units_parse_mac(bad[i], mac, &error) && error != NULL && mac[0] == 9;
        char *what = g_strdup_printf("MAC '%s' refused", bad[i]);
        check(ok, __LINE__, what);
        g_free(what);
        g_clear_error(&error);
    }
    GError *error = NULL;
    uint8_t mac[6];
    CU_ASSERT_FALSE(units_parse_mac("02:00", mac, &error));
    CU_ASSERT_STRING_EQUAL(error->message, "'02:00' is not a MAC address: use six two-digit hex "
                                           "bytes separated by ':' or '-', e.g. 02:00:00:00:01:01");
    g_clear_error(&error);
}

static void ipv4_dotted_quad(void)
{
    uint8_t a[4] = {0};
    CU_ASSERT_TRUE(units_parse_ipv4("10.0.0.1", a, NULL));
    CU_ASSERT_TRUE(a[0] == 10 && a[1] == 0 && a[2] == 0 && a[3] == 1);
    CU_ASSERT_TRUE(units_parse_ipv4("255.255.255.255", a, NULL));
    CU_ASSERT_TRUE(a[0] == 255 && a[3] == 255);
    CU_ASSERT_TRUE(units_parse_ipv4("0.0.0.0", a, NULL));
    CU_ASSERT_TRUE(a[0] == 0 && a[3] == 0);
    CU_ASSERT_TRUE(units_parse_ipv4("192.168.100.254", a, NULL));
    CU_ASSERT_TRUE(a[0] == 192 && a[1] == 168 && a[2] == 100 && a[3] == 254);
    const char *bad[] = {"",          "256.0.0.1",   "10.0.0",     "10.0.0.1.2",
                         "10.0.0.01", "10.0.0.1/24", "a.b.c.d",    " 10.0.0.1",
                         "10.0.0.1 ", "10..0.1",     "1000.0.0.1", "-1.0.0.0"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        uint8_t b[4] = {9, 9, 9, 9};
        GError *error = NULL;
        gboolean ok = !units_parse_ipv4(bad[i], b, &error) && error != NULL && b[0] == 9;
        char *what = g_strdup_printf("IPv4 '%s' refused", bad[i]);
        check(ok, __LINE__, what);
        g_free(what);
        g_clear_error(&error);
    }
}

static void cidr_refused(const char *s, const char *message, int line)
{
    uint8_t a[4] = {9, 9, 9, 9};
    int prefix = -7;
    GError *error = NULL;
    gboolean ok = !units_parse_ipv4_cidr(s, a, &prefix, &error) && error != NULL && a[0] == 9 &&
                  prefix == -7 && (message == NULL || strcmp(error->message, message) == 0);
    char *what =
        g_strdup_printf("CIDR '%s' refused (%s)", s, error != NULL ? error->message : "no error");
    check(ok, line, what);
    g_free(what);
    g_clear_error(&error);
}

static void ipv4_cidr_needs_prefix_up_to_32(void)
{
    uint8_t a[4] = {0};
    int prefix = -1;
    CU_ASSERT_TRUE(units_parse_ipv4_cidr("10.0.0.10/24", a, &prefix, NULL));
    CU_ASSERT_TRUE(a[0] == 10 && a[3] == 10);
    CU_ASSERT_EQUAL(prefix, 24);
    CU_ASSERT_TRUE(units_parse_ipv4_cidr("0.0.0.0/0", a, &prefix, NULL));
    CU_ASSERT_EQUAL(prefix, 0);
    CU_ASSERT_TRUE(units_parse_ipv4_cidr("10.0.0.1/32", a, &prefix, NULL));
    CU_ASSERT_EQUAL(prefix, 32);
    cidr_refused("10.0.0.1/33", "'10.0.0.1/33' has a prefix length over 32", __LINE__);
    cidr_refused("10.0.0.1/100", "'10.0.0.1/100' has a prefix length over 32", __LINE__);
    cidr_refused("10.0.0.1", "'10.0.0.1' has no prefix length: write e.g. 10.0.0.1/24", __LINE__);
    const char *bad[] = {"10.0.0.1/",    "10.0.0.1/2x", "10.0.0.1/-1", "10.0.0.1/24/8",
                         "256.0.0.1/24", "10.0.0/24",   "/24",         "",
                         "10.0.0.1/1000"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
        cidr_refused(bad[i], NULL, __LINE__);
}

/* ---- printing ----------------------------------------------------------- */

static void time_printed_is(uint64_t ps, const char *expected, int line)
{
    char buf[32];
    units_format_time(ps, buf, sizeof buf);
    char *what =
        g_strdup_printf("%" G_GUINT64_FORMAT " ps printed \"%s\" (got \"%s\")", ps, expected, buf);
    check(strcmp(buf, expected) == 0, line, what);
    g_free(what);
}

static void rate_printed_is(uint64_t bps, const char *expected, int line)
{
    char buf[32];
    units_format_rate(bps, buf, sizeof buf);
    char *what = g_strdup_printf("%" G_GUINT64_FORMAT " bit/s printed \"%s\" (got \"%s\")", bps,
                                 expected, buf);
    check(strcmp(buf, expected) == 0, line, what);
    g_free(what);
}

static void format_time_picks_unit_and_trims(void)
{
    time_printed_is(UINT64_C(3104000000000), "3.104 s", __LINE__);
    time_printed_is(UINT64_C(104000000000), "104 ms", __LINE__);
    time_printed_is(UINT64_C(12304000), "12.304 us", __LINE__);
    time_printed_is(UINT64_C(30760), "30.76 ns", __LINE__);
    time_printed_is(0, "0 s", __LINE__);
    time_printed_is(5, "5 ps", __LINE__);
    time_printed_is(999, "999 ps", __LINE__);
    time_printed_is(1000, "1 ns", __LINE__);
    time_printed_is(UINT64_C(123456789), "123.4568 us", __LINE__);
    time_printed_is(UINT64_C(1000050), "1.0001 us", __LINE__); /* 1.00005 rounds up */
    time_printed_is(UINT64_C(1000049), "1 us", __LINE__);
    time_printed_is(UINT64_C(999999999999), "1 s", __LINE__); /* not "1000 ms" */
    time_printed_is(UINT64_C(86400000000000000), "86400 s", __LINE__);
}

static void format_rate_picks_unit_and_trims(void)
{
    rate_printed_is(UINT64_C(1000000000), "1 Gb/s", __LINE__);
    rate_printed_is(UINT64_C(10000000000), "10 Gb/s", __LINE__);
    rate_printed_is(UINT64_C(2500000000), "2.5 Gb/s", __LINE__);
    rate_printed_is(UINT64_C(400000000), "400 Mb/s", __LINE__);
    rate_printed_is(UINT64_C(10000000), "10 Mb/s", __LINE__);
    rate_printed_is(UINT64_C(400000000000), "400 Gb/s", __LINE__);
    rate_printed_is(UINT64_C(1600000000000), "1.6 Tb/s", __LINE__);
    rate_printed_is(UINT64_C(64000), "64 kb/s", __LINE__);
    rate_printed_is(1, "1 b/s", __LINE__);
    rate_printed_is(0, "0 b/s", __LINE__);
}

static void format_small_buffer_truncates(void)
{
    char buf[4];
    CU_ASSERT_PTR_EQUAL(units_format_time(UINT64_C(3104000000000), buf, sizeof buf), buf);
    CU_ASSERT_STRING_EQUAL(buf, "3.1");
}

/* What is printed parses back to the same value (values with at most four
 * decimals in the unit chosen), and what is parsed prints as expected. */
static void format_round_trips(void)
{
    const uint64_t times[] = {0,
                              1,
                              999,
                              UINT64_C(30760),
                              UINT64_C(12304000),
                              UINT64_C(1230400),
                              UINT64_C(250000000000),
                              UINT64_C(1500000000000),
                              UINT64_C(8640000000000000000)};
    for (gsize i = 0; i < G_N_ELEMENTS(times); i++) {
        char buf[32];
        units_format_time(times[i], buf, sizeof buf);
        u64_is(parse_time, buf, times[i], __LINE__);
    }
    const uint64_t rates[] = {1,
                              64000,
                              UINT64_C(10000000),
                              UINT64_C(2500000000),
                              UINT64_C(400000000000),
                              UINT64_C(1600000000000)};
    for (gsize i = 0; i < G_N_ELEMENTS(rates); i++) {
        char buf[32];
        units_format_rate(rates[i], buf, sizeof buf);
        u64_is(units_parse_rate_bps, buf, rates[i], __LINE__);
    }
    uint64_t v = 0;
    CU_ASSERT_TRUE(units_parse_time_ps("1230.4ns", 0, &v, NULL));
    time_printed_is(v, "1.2304 us", __LINE__);
    CU_ASSERT_TRUE(units_parse_rate_bps("500Mbit", &v, NULL));
    rate_printed_is(v, "500 Mb/s", __LINE__);
}

static void format_mac_and_ipv4_round_trip(void)
{
    uint8_t mac[6], ip[4];
    char buf[32];
    CU_ASSERT_TRUE(units_parse_mac("02-00-00-00-01-0A", mac, NULL));
    CU_ASSERT_STRING_EQUAL(units_format_mac(mac, buf, sizeof buf), "02:00:00:00:01:0a");
    CU_ASSERT_TRUE(units_parse_ipv4("192.168.0.254", ip, NULL));
    CU_ASSERT_STRING_EQUAL(units_format_ipv4(ip, buf, sizeof buf), "192.168.0.254");
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"time_decimals_are_exact", time_decimals_are_exact},
        {"time_units_scale_to_ps", time_units_scale_to_ps},
        {"time_accepts_space_before_unit", time_accepts_space_before_unit},
        {"time_rounds_to_nearest_ps", time_rounds_to_nearest_ps},
        {"time_bare_number_takes_default_unit", time_bare_number_takes_default_unit},
        {"time_refuses_overflow", time_refuses_overflow},
        {"time_refuses_junk", time_refuses_junk},
        {"rate_suffixes_are_exact", rate_suffixes_are_exact},
        {"rate_refuses_bytes_zero_and_junk", rate_refuses_bytes_zero_and_junk},
        {"size_decimal_and_binary_multipliers", size_decimal_and_binary_multipliers},
        {"size_refuses_fractions_and_junk", size_refuses_fractions_and_junk},
        {"uint_checks_range_and_digits", uint_checks_range_and_digits},
        {"fraction_decimal_or_percent", fraction_decimal_or_percent},
        {"mac_colon_or_dash", mac_colon_or_dash},
        {"mac_refuses_malformed", mac_refuses_malformed},
        {"ipv4_dotted_quad", ipv4_dotted_quad},
        {"ipv4_cidr_needs_prefix_up_to_32", ipv4_cidr_needs_prefix_up_to_32},
        {"format_time_picks_unit_and_trims", format_time_picks_unit_and_trims},
        {"format_rate_picks_unit_and_trims", format_rate_picks_unit_and_trims},
        {"format_small_buffer_truncates", format_small_buffer_truncates},
        {"format_round_trips", format_round_trips},
        {"format_mac_and_ipv4_round_trip", format_mac_and_ipv4_round_trip},
        CU_TEST_INFO_NULL,
    };
    return cu_run("units", cases);
}
