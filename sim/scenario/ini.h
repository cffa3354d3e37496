/* ini.h - a strict reader for scenario key files.
 *
 * GLib's GKeyFile parses the syntax; this module adds what it lacks for
 * scenario files (see docs/scenario-format.md): a (group, key) -> line index
 * so every error reads "file:line: [group] key: message"; a trailing
 * " # comment" after a value is stripped (GKeyFile would keep it in the value);
 * a repeated key or a repeated group is refused with both line numbers
 * (GKeyFile silently keeps the last key and merges groups); keys with '[' are
 * refused (GKeyFile treats them as locale variants). Groups and keys are kept
 * in file order so everything built from them is deterministic.
 * Used by scenario.c only. Owns copies of all strings.
 */
#ifndef BONDSIM_SCENARIO_INI_H
#define BONDSIM_SCENARIO_INI_H

#include <glib.h>

typedef struct IniFile IniFile;

#define INI_ERROR (ini_error_quark())
GQuark ini_error_quark(void);

/* Loads `path`. Error messages name the file and line. Caller frees. */
IniFile *ini_load(const char *path, GError **error);
/* Same from memory; `name` is used as the file name in messages. */
IniFile *ini_load_data(const char *name, const char *data, gsize len, GError **error);
void ini_free(IniFile *ini);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IniFile, ini_free)

const char *ini_file_name(const IniFile *ini);

/* Groups in file order; the array and strings are borrowed. */
guint ini_n_groups(const IniFile *ini);
const char *ini_group(const IniFile *ini, guint i);
gboolean ini_has_group(const IniFile *ini, const char *group);

/* Keys of `group` in file order (borrowed, NULL-terminated vector of
 * borrowed strings; NULL when the group does not exist). */
const char *const *ini_keys(const IniFile *ini, const char *group);

/* Value with surrounding white space and a trailing comment removed; NULL
 * when absent. Borrowed. */
const char *ini_get(const IniFile *ini, const char *group, const char *key);

/* Line of the key (or of the group header when key is NULL); 0 if unknown
 * (e.g. a value set from the command line). */
int ini_line(const IniFile *ini, const char *group, const char *key);

/* Sets or adds a value from the command line (`--set group.key=value`),
 * trimmed like a value read from the file; later errors about it say "--set"
 * instead of a line. Creates the group if needed. */
void ini_override(IniFile *ini, const char *group, const char *key, const char *value);

/* Sets *error to "file:line: [group] key: <message>" (key may be NULL:
 * "file:line: [group]: <message>"; group NULL: "file: <message>"). Values
 * from --set read "file: --set group.key: <message>", and a group that only
 * --set created, when no key of it is named, "file: --set group: <message>".
 * Returns FALSE so callers can `return ini_fail(...)`. */
gboolean ini_fail(const IniFile *ini, GError **error, const char *group, const char *key,
                  const char *fmt, ...) G_GNUC_PRINTF(5, 6);

#endif
