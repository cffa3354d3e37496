/* units.h - parsing and printing of the units used in scenario files and
 * options: times ("10s", "250ms", "5us", "100ns", "2ps", "1.5s", "1m"),
 * rates ("1G", "10Gbit", "500Mbit", "100M", "64k", "1Gbps", plain bits/s),
 * sizes ("1500", "9k" = 9000, "64KiB"), MAC and IPv4 addresses.
 *
 * Pure functions, no state. Error messages say what was expected (e.g.
 * "'10x' is not a time: use a number and a unit among ps, ns, us, ms, s, m")
 * and carry no file position: the caller prefixes that.
 */
#ifndef BONDSIM_UTIL_UNITS_H
#define BONDSIM_UTIL_UNITS_H

#include <glib.h>
#include <stdint.h>

#define UNITS_ERROR (units_error_quark())
GQuark units_error_quark(void);

#define PS_PER_NS UINT64_C(1000)
#define PS_PER_US UINT64_C(1000000)
#define PS_PER_MS UINT64_C(1000000000)
#define PS_PER_S UINT64_C(1000000000000)

/* A time with a mandatory unit (ps ns us ms s m); decimals allowed; exact
 * in picoseconds (rounded to the nearest ps); refuses negative values and
 * values over about 100 days. If `default_unit_ps` is non-zero a bare number
 * is taken in that unit (e.g. PS_PER_MS for kernel-style milliseconds). */
gboolean units_parse_time_ps(const char *s, uint64_t default_unit_ps, uint64_t *out,
                             GError **error);
/* Bits per second: suffixes k/K, M, G, T (powers of 1000), optional "bit",
 * "bps", "b/s"; a bare number is bits per second. 0 refused. */
gboolean units_parse_rate_bps(const char *s, uint64_t *out, GError **error);
/* Bytes: bare number, k/K/M (powers of 1000) or KiB/MiB (1024). */
gboolean units_parse_size(const char *s, uint64_t *out, GError **error);
/* Whole number within [min, max]; the message gives the range. */
gboolean units_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, GError **error);
/* A decimal fraction within [min, max], e.g. loss "0.01" or "1%". */
gboolean units_parse_fraction(const char *s, double min, double max, double *out, GError **error);
/* "02:00:00:00:01:01" (also '-' separators). */
gboolean units_parse_mac(const char *s, uint8_t mac[6], GError **error);
/* "10.0.0.1" into network-order bytes. */
gboolean units_parse_ipv4(const char *s, uint8_t addr[4], GError **error);
/* "10.0.0.1/24"; a missing prefix is refused. */
gboolean units_parse_ipv4_cidr(const char *s, uint8_t addr[4], int *prefix_len, GError **error);

/* Writes a time for people ("3.104 s", "104 ms", "12.304 us", "30.76 ns"),
 * at most 4 significant decimals, into buf; returns buf. */
char *units_format_time(uint64_t ps, char *buf, gsize buf_len);
/* "1 Gb/s", "10 Gb/s", "400 Mb/s", "2.5 Gb/s" */
char *units_format_rate(uint64_t bps, char *buf, gsize buf_len);
/* "02:00:00:00:01:01" */
char *units_format_mac(const uint8_t mac[6], char *buf, gsize buf_len);
/* "10.0.0.1" */
char *units_format_ipv4(const uint8_t addr[4], char *buf, gsize buf_len);

#endif
