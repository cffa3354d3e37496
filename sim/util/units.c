/* units.c - parsing and printing of times, rates, sizes, counts, fractions,
 * MAC and IPv4 addresses (see units.h).
 *
 * Times and rates never go through a double: a number is split into its
 * integer digits and its fractional digits, and both are scaled by the unit
 * in integer arithmetic (units_scale), so "12.304us" is exactly 12304000 ps
 * and "1.5Gbit" exactly 1500000000 bit/s; anything finer than the base unit
 * is rounded to the nearest, half up. strtoull/strtod are not used for
 * numbers either: they skip leading white space and accept signs, hex and
 * exponents, none of which belongs in a scenario file.
 *
 * Accepted forms, beyond what units.h lists: one or more spaces may separate
 * the number from its unit ("12.304 us", "2.5 Gb/s": what the formatters
 * print parses back); rates also take lower-case m, g, t as tc(8) does
 * ("100mbit"). Unlike tc, "bps" means bits per second here (tc reads it as
 * bytes); a capital B is refused for rates so bytes are never taken for bits.
 * Errors use UNITS_ERROR with code 0.
 */
#include "util/units.h"

#include <stdarg.h>
#include <string.h>

GQuark units_error_quark(void)
{
    return g_quark_from_static_string("units-error-quark");
}

/* Times stop at 100 days, under half of 2^64 ps (213 days), so that
 * "now + delay" in the engine cannot wrap. */
#define UNITS_TIME_MAX_DAYS 100
#define UNITS_TIME_MAX_PS (UNITS_TIME_MAX_DAYS * 86400 * PS_PER_S)

/* units_scale multiplies one digit by the unit and adds a carry below the
 * unit: 10 * unit must fit in 64 bits. */
#define UNITS_SCALE_MAX (UINT64_MAX / 10)

/* A unit (or multiplier) as written and its value in the base unit. */
typedef struct {
    const char *name; /* NULL ends a table */
    uint64_t scale;   /* base units (ps, bit/s, bytes) per one of this */
} UnitsName;

static const UnitsName units_time_names[] = {
    {"ps", 1},
    {"ns", PS_PER_NS},
    {"us", PS_PER_US},
    {"\xc2\xb5s", PS_PER_US}, /* "µs", U+00B5 MICRO SIGN */
    {"\xce\xbcs", PS_PER_US}, /* "μs", U+03BC GREEK SMALL LETTER MU */
    {"ms", PS_PER_MS},
    {"s", PS_PER_S},
    {"m", 60 * PS_PER_S},
    {NULL, 0},
};

static const UnitsName units_size_names[] = {
    {"", 1},
    {"B", 1},
    {"k", 1000},
    {"K", 1000},
    {"kB", 1000},
    {"KB", 1000},
    {"M", 1000000},
    {"MB", 1000000},
    {"G", 1000000000},
    {"GB", 1000000000},
    {"KiB", UINT64_C(1) << 10},
    {"MiB", UINT64_C(1) << 20},
    {"GiB", UINT64_C(1) << 30},
    {NULL, 0},
};

/* Rate multipliers; the bit suffix that may follow is units_rate_suffixes. */
static const UnitsName units_rate_multipliers[] = {
    {"k", 1000},
    {"K", 1000},
    {"M", 1000000},
    {"m", 1000000},
    {"G", 1000000000},
    {"g", 1000000000},
    {"T", UINT64_C(1000000000000)},
    {"t", UINT64_C(1000000000000)},
    {NULL, 0},
};

static const char *const units_rate_suffixes[] = {"", "b", "bit", "bps", "b/s", "bit/s", NULL};

/* Printing: largest unit first, each 1000 times the next. */
static const UnitsName units_time_print[] = {
    {"s", PS_PER_S}, {"ms", PS_PER_MS}, {"us", PS_PER_US}, {"ns", PS_PER_NS}, {"ps", 1}, {NULL, 0},
};

static const UnitsName units_rate_print[] = {
    {"Tb/s", UINT64_C(1000000000000)},
    {"Gb/s", 1000000000},
    {"Mb/s", 1000000},
    {"kb/s", 1000},
    {"b/s", 1},
    {NULL, 0},
};

/* What a kind of value is called and how to write one, for messages. */
typedef struct {
    const char *what;   /* "time" */
    const char *expect; /* advice that completes "'x' is not a time: " */
} UnitsKind;

static const UnitsKind units_time_kind = {
    "time", "use a number and a unit among ps, ns, us, ms, s, m (e.g. 250ms, 1.5s)"};

static const UnitsKind units_rate_kind = {
    "rate", "use a number, optionally followed by k, M, G or T and then bit, bps or b/s "
            "(e.g. 10Gbit, 500Mbit, 1G)"};

static const UnitsKind units_size_kind = {
    "size", "use a number of bytes, optionally followed by k, M, G (x1000) or KiB, MiB, GiB "
            "(x1024) (e.g. 1500, 9k, 64KiB)"};

/* A decimal number as written: digits before and after an optional '.'. */
typedef struct {
    const char *int_digits;  /* first digit before the point */
    gsize n_int;             /* may be 0 (".5") */
    const char *frac_digits; /* first digit after the point */
    gsize n_frac;            /* may be 0 ("5", "5.") */
} UnitsDecimal;

static gboolean units_fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean units_fail(GError **error, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *message = g_strdup_vprintf(fmt, args);
    va_end(args);
    g_set_error_literal(error, UNITS_ERROR, 0, message);
    g_free(message);
    return FALSE;
}

static gboolean units_fail_kind(GError **error, const UnitsKind *kind, const char *s)
{
    if (*s == '\0')
        return units_fail(error, "an empty value is not a %s: %s", kind->what, kind->expect);
    return units_fail(error, "'%s' is not a %s: %s", s, kind->what, kind->expect);
}

static gsize units_digits(const char *p)
{
    gsize n = 0;
    while (g_ascii_isdigit(p[n]))
        n++;
    return n;
}

/* Reads the n ASCII digits at p; FALSE when the value exceeds 64 bits. */
static gboolean units_digits_value(const char *p, gsize n, uint64_t *out)
{
    uint64_t v = 0;
    for (gsize i = 0; i < n; i++) {
        unsigned digit = (unsigned)(p[i] - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return FALSE;
        v = v * 10 + digit;
    }
    *out = v;
    return TRUE;
}

/* Reads "123", "1.5", ".5" or "5." at the start of s; returns the text after
 * it, or NULL when s does not start with a number. */
static const char *units_scan_decimal(const char *s, UnitsDecimal *d)
{
    d->int_digits = s;
    d->n_int = units_digits(s);
    const char *p = s + d->n_int;
    d->frac_digits = p;
    d->n_frac = 0;
    if (*p == '.') {
        d->frac_digits = p + 1;
        d->n_frac = units_digits(p + 1);
        p += 1 + d->n_frac;
    }
    return d->n_int + d->n_frac == 0 ? NULL : p;
}

/* *out = d * unit rounded to the nearest integer (half up); *exact is TRUE
 * when nothing was rounded away. The fraction 0.f1f2...fn is multiplied by
 * the unit digit by digit from the right, as on paper: the carry out of f1 is
 * floor(0.f * unit) and the digit left in f1's place decides the rounding.
 * FALSE on overflow. */
static gboolean units_scale(const UnitsDecimal *d, uint64_t unit, uint64_t *out, gboolean *exact)
{
    g_assert(unit > 0 && unit <= UNITS_SCALE_MAX);
    uint64_t whole;
    if (!units_digits_value(d->int_digits, d->n_int, &whole) || whole > UINT64_MAX / unit)
        return FALSE;
    uint64_t carry = 0;
    unsigned first = 0;
    gboolean zero = TRUE;
    for (gsize i = d->n_frac; i-- > 0;) {
        uint64_t t = (uint64_t)(d->frac_digits[i] - '0') * unit + carry;
        first = (unsigned)(t % 10);
        carry = t / 10;
        zero = zero && first == 0;
    }
    uint64_t add = carry + (first >= 5 ? 1 : 0);
    if (whole * unit > UINT64_MAX - add)
        return FALSE;
    *out = whole * unit + add;
    *exact = zero;
    return TRUE;
}

/* Splits "<number>[ ...][unit]" into the number and the unit text (empty when
 * the number is bare). Refuses empty, negative and non-numeric text, and
 * spaces that no unit follows. */
static gboolean units_split(const char *s, const UnitsKind *kind, UnitsDecimal *d,
                            const char **unit_text, GError **error)
{
    if (s[0] == '-' && (g_ascii_isdigit(s[1]) || s[1] == '.'))
        return units_fail(error, "'%s' is not a %s: it cannot be negative", s, kind->what);
    const char *p = units_scan_decimal(s, d);
    if (p == NULL)
        return units_fail_kind(error, kind, s);
    const char *unit = p;
    while (*unit == ' ')
        unit++;
    if (unit != p && *unit == '\0')
        return units_fail_kind(error, kind, s);
    *unit_text = unit;
    return TRUE;
}

static const UnitsName *units_lookup(const UnitsName *names, const char *text)
{
    for (const UnitsName *n = names; n->name != NULL; n++)
        if (strcmp(n->name, text) == 0)
            return n;
    return NULL;
}

gboolean units_parse_time_ps(const char *s, uint64_t default_unit_ps, uint64_t *out, GError **error)
{
    g_return_val_if_fail(s != NULL && out != NULL, FALSE);
    g_return_val_if_fail(default_unit_ps <= UNITS_SCALE_MAX, FALSE);
    UnitsDecimal d;
    const char *unit_text;
    if (!units_split(s, &units_time_kind, &d, &unit_text, error))
        return FALSE;
    uint64_t unit = default_unit_ps;
    if (*unit_text != '\0') {
        const UnitsName *n = units_lookup(units_time_names, unit_text);
        if (n == NULL)
            return units_fail_kind(error, &units_time_kind, s);
        unit = n->scale;
    } else if (unit == 0) {
        return units_fail(
            error, "'%s' needs a unit: e.g. %sms or %ss (units: ps, ns, us, ms, s, m)", s, s, s);
    }
    uint64_t ps;
    gboolean exact;
    if (!units_scale(&d, unit, &ps, &exact) || ps > UNITS_TIME_MAX_PS)
        return units_fail(error, "'%s' is too long a time: at most %d days", s,
                          UNITS_TIME_MAX_DAYS);
    *out = ps;
    return TRUE;
}

/* Reads "[multiplier][bit suffix]"; FALSE when it is neither. */
static gboolean units_rate_unit(const char *text, uint64_t *multiplier)
{
    *multiplier = 1;
    for (const UnitsName *n = units_rate_multipliers; n->name != NULL; n++) {
        if (text[0] == n->name[0]) {
            *multiplier = n->scale;
            text++;
            break;
        }
    }
    for (gsize i = 0; units_rate_suffixes[i] != NULL; i++)
        if (strcmp(text, units_rate_suffixes[i]) == 0)
            return TRUE;
    return FALSE;
}

gboolean units_parse_rate_bps(const char *s, uint64_t *out, GError **error)
{
    g_return_val_if_fail(s != NULL && out != NULL, FALSE);
    UnitsDecimal d;
    const char *unit_text;
    if (!units_split(s, &units_rate_kind, &d, &unit_text, error))
        return FALSE;
    if (strchr(unit_text, 'B') != NULL)
        return units_fail(error,
                          "'%s' is in bytes (B): rates are in bits per second, "
                          "e.g. 8Gbit for 1 GB/s",
                          s);
    uint64_t multiplier;
    if (!units_rate_unit(unit_text, &multiplier))
        return units_fail_kind(error, &units_rate_kind, s);
    uint64_t bps;
    gboolean exact;
    if (!units_scale(&d, multiplier, &bps, &exact))
        return units_fail(error, "'%s' is too large a rate", s);
    if (bps == 0)
        return units_fail(error, "'%s' is not a usable rate: it must be at least 1 bit/s", s);
    *out = bps;
    return TRUE;
}

gboolean units_parse_size(const char *s, uint64_t *out, GError **error)
{
    g_return_val_if_fail(s != NULL && out != NULL, FALSE);
    UnitsDecimal d;
    const char *unit_text;
    if (!units_split(s, &units_size_kind, &d, &unit_text, error))
        return FALSE;
    const UnitsName *n = units_lookup(units_size_names, unit_text);
    if (n == NULL)
        return units_fail_kind(error, &units_size_kind, s);
    uint64_t bytes;
    gboolean exact;
    if (!units_scale(&d, n->scale, &bytes, &exact))
        return units_fail(error, "'%s' is too large a size", s);
    if (!exact)
        return units_fail(error, "'%s' is not a whole number of bytes", s);
    *out = bytes;
    return TRUE;
}

gboolean units_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, GError **error)
{
    g_return_val_if_fail(s != NULL && out != NULL, FALSE);
    gsize n = units_digits(s);
    uint64_t v = 0;
    if (n > 0 && s[n] == '\0' && units_digits_value(s, n, &v) && v >= min && v <= max) {
        *out = v;
        return TRUE;
    }
    if (*s == '\0')
        return units_fail(error,
                          "an empty value is not a whole number from %" G_GUINT64_FORMAT
                          " to %" G_GUINT64_FORMAT,
                          min, max);
    return units_fail(error,
                      "'%s' is not a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                      s, min, max);
}

gboolean units_parse_fraction(const char *s, double min, double max, double *out, GError **error)
{
    g_return_val_if_fail(s != NULL && out != NULL, FALSE);
    UnitsDecimal d;
    const char *end = units_scan_decimal(s[0] == '-' ? s + 1 : s, &d);
    gboolean percent = end != NULL && *end == '%';
    if (end == NULL || end[percent ? 1 : 0] != '\0')
        return units_fail(error,
                          "'%s' is not a fraction: use a decimal number such as 0.01 "
                          "or a percentage such as 1%%",
                          s);
    /* The text is now known to be plain decimal, which strtod reads exactly
     * as written (to the nearest double). */
    char *number = g_strndup(s, (gsize)(end - s));
    double v = g_ascii_strtod(number, NULL);
    g_free(number);
    if (percent)
        v /= 100.0;
    if (!(v >= min && v <= max))
        return units_fail(error, "'%s' is out of range: expected a fraction from %g to %g", s, min,
                          max);
    *out = v;
    return TRUE;
}

gboolean units_parse_mac(const char *s, uint8_t mac[6], GError **error)
{
    g_return_val_if_fail(s != NULL && mac != NULL, FALSE);
    uint8_t tmp[6];
    gboolean ok = strlen(s) == 17 && (s[2] == ':' || s[2] == '-');
    for (int i = 0; ok && i < 6; i++) {
        int hi = g_ascii_xdigit_value(s[3 * i]);
        int lo = g_ascii_xdigit_value(s[3 * i + 1]);
        ok = hi >= 0 && lo >= 0 && (i == 5 || s[3 * i + 2] == s[2]);
        tmp[i] = (uint8_t)(hi * 16 + lo);
    }
    if (!ok)
        return units_fail(error,
                          "'%s' is not a MAC address: use six two-digit hex bytes separated "
                          "by ':' or '-', e.g. 02:00:00:00:01:01",
                          s);
    memcpy(mac, tmp, 6);
    return TRUE;
}

/* Reads a dotted quad at the start of s (no leading zeros, which inet_aton
 * would take as octal); returns the text after it or NULL. */
static const char *units_scan_ipv4(const char *s, uint8_t addr[4])
{
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        if (i > 0 && *p++ != '.')
            return NULL;
        gsize n = units_digits(p);
        uint64_t v = 0;
        if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
            return NULL;
        units_digits_value(p, n, &v);
        if (v > 255)
            return NULL;
        addr[i] = (uint8_t)v;
        p += n;
    }
    return p;
}

gboolean units_parse_ipv4(const char *s, uint8_t addr[4], GError **error)
{
    g_return_val_if_fail(s != NULL && addr != NULL, FALSE);
    uint8_t tmp[4];
    const char *end = units_scan_ipv4(s, tmp);
    if (end == NULL || *end != '\0')
        return units_fail(error,
                          "'%s' is not an IPv4 address: use four numbers from 0 to 255 "
                          "separated by dots, e.g. 10.0.0.1",
                          s);
    memcpy(addr, tmp, 4);
    return TRUE;
}

gboolean units_parse_ipv4_cidr(const char *s, uint8_t addr[4], int *prefix_len, GError **error)
{
    g_return_val_if_fail(s != NULL && addr != NULL && prefix_len != NULL, FALSE);
    uint8_t tmp[4];
    const char *end = units_scan_ipv4(s, tmp);
    if (end != NULL && *end == '\0')
        return units_fail(error, "'%s' has no prefix length: write e.g. %s/24", s, s);
    gsize n = end != NULL && *end == '/' ? units_digits(end + 1) : 0;
    if (n == 0 || n > 3 || end[1 + n] != '\0')
        return units_fail(error,
                          "'%s' is not an IPv4 address with a prefix length: "
                          "use e.g. 10.0.0.1/24",
                          s);
    uint64_t len = 0;
    units_digits_value(end + 1, n, &len);
    if (len > 32)
        return units_fail(error, "'%s' has a prefix length over 32", s);
    memcpy(addr, tmp, 4);
    *prefix_len = (int)len;
    return TRUE;
}

/* Prints v in the largest unit of `names` where it is at least 1, with up
 * to 4 decimals and no trailing zeros; 0 is printed as `zero`. */
static char *units_format_scaled(uint64_t v, const UnitsName *names, const char *zero, char *buf,
                                 gsize buf_len)
{
    if (v == 0) {
        g_strlcpy(buf, zero, buf_len);
        return buf;
    }
    gsize i = 0;
    while (names[i + 1].name != NULL && v < names[i].scale)
        i++;
    uint64_t scale = names[i].scale;
    uint64_t whole = v / scale;
    uint64_t frac = ((v % scale) * 10000 + scale / 2) / scale;
    if (frac == 10000) {
        whole++;
        frac = 0;
    }
    if (whole == 1000 && i > 0) { /* 999.99996 ms is 1 s */
        i--;
        whole = 1;
    }
    char digits[8];
    g_snprintf(digits, sizeof digits, "%04u", (unsigned)frac);
    for (int k = 3; k >= 0 && digits[k] == '0'; k--)
        digits[k] = '\0';
    if (frac == 0)
        g_snprintf(buf, buf_len, "%" G_GUINT64_FORMAT " %s", whole, names[i].name);
    else
        g_snprintf(buf, buf_len, "%" G_GUINT64_FORMAT ".%s %s", whole, digits, names[i].name);
    return buf;
}

char *units_format_time(uint64_t ps, char *buf, gsize buf_len)
{
    g_return_val_if_fail(buf != NULL && buf_len > 0, buf);
    return units_format_scaled(ps, units_time_print, "0 s", buf, buf_len);
}

char *units_format_rate(uint64_t bps, char *buf, gsize buf_len)
{
    g_return_val_if_fail(buf != NULL && buf_len > 0, buf);
    return units_format_scaled(bps, units_rate_print, "0 b/s", buf, buf_len);
}

char *units_format_mac(const uint8_t mac[6], char *buf, gsize buf_len)
{
    g_return_val_if_fail(mac != NULL && buf != NULL && buf_len > 0, buf);
    g_snprintf(buf, buf_len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
               mac[4], mac[5]);
    return buf;
}

char *units_format_ipv4(const uint8_t addr[4], char *buf, gsize buf_len)
{
    g_return_val_if_fail(addr != NULL && buf != NULL && buf_len > 0, buf);
    g_snprintf(buf, buf_len, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
    return buf;
}
