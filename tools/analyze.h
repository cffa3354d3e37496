/* analyze.h - bondsim-analyze's shared types: the capture reader
 * (analyze_read.c) hands packets, in time order across every input file,
 * to the analysis (analyze.c).
 *
 * Not part of bondsim_core: only the tool's two files include it. An
 * AnalyzeIface is one capture interface (a pcapng IDB, or a whole classic
 * pcap file); a reader owns its interfaces and its packet buffer; a packet
 * returned by analyze_reader_next() is borrowed until the next call.
 */
#ifndef BONDSIM_TOOLS_ANALYZE_H
#define BONDSIM_TOOLS_ANALYZE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define ANALYZE_ERROR (analyze_error_quark())
GQuark analyze_error_quark(void);

typedef enum {
    ANALYZE_ERROR_ARGS,     /* bad command line */
    ANALYZE_ERROR_OPEN,     /* missing, unreadable or not a capture */
    ANALYZE_ERROR_LINKTYPE, /* not Ethernet */
    ANALYZE_ERROR_READ,     /* truncated or corrupt after the header */
    ANALYZE_ERROR_WRITE,    /* an output file */
} AnalyzeError;

typedef enum {
    ANALYZE_DIR_UNKNOWN = 0, /* classic pcap, or no epb_flags */
    ANALYZE_DIR_IN = 1,      /* received by the interface */
    ANALYZE_DIR_OUT = 2,     /* sent by the interface */
} AnalyzeDir;

/* One capture interface and its load figures. */
typedef struct {
    char *name;         /* if_name, else the file's base name (+ "#N") */
    char *file;         /* the file it came from */
    bool resolved;      /* `selected` decided (at its first packet) */
    bool selected;      /* its packets feed the flow analysis */
    uint64_t frames[3]; /* by AnalyzeDir */
    uint64_t bytes[3];  /* original (wire) lengths, by AnalyzeDir */
    GArray *bins;       /* uint64_t [bin * 3 + dir]: bytes per time bin */
} AnalyzeIface;

/* One packet, borrowed from the reader until its next call. */
typedef struct {
    uint64_t ts_ns;      /* time stamp, ns since the epoch of the capture */
    uint32_t caplen;     /* bytes in data */
    uint32_t len;        /* original length on the wire */
    const uint8_t *data; /* Ethernet frame */
    AnalyzeDir dir;
    AnalyzeIface *iface; /* borrowed from the reader */
} AnalyzePacket;

typedef struct AnalyzeReader AnalyzeReader;

/* Opens every file of `paths` (pcapng read block by block here; anything
 * else through libpcap). NULL with an error naming the file on failure.
 * Caller owns the reader (analyze_reader_free). */
AnalyzeReader *analyze_reader_new(const char *const *paths, GError **error);
void analyze_reader_free(AnalyzeReader *r);

/* The next packet in time order over every file (ties: command-line order,
 * then file order). TRUE with *pkt set; FALSE at the end (error unset) or on
 * a read error (error set, naming the file and frame). */
gboolean analyze_reader_next(AnalyzeReader *r, AnalyzePacket *pkt, GError **error);

/* Interfaces seen so far, in order of first appearance (borrowed). */
GPtrArray *analyze_reader_ifaces(AnalyzeReader *r);

#endif
