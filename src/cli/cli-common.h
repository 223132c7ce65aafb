/* cli-common.h — what the bottleneck-cli subcommands share: exit codes, option
 * parsing onto an NnConfig, one-line errors, a tiny JSON writer and timers. */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>

#include "btl-dataset.h"
#include "btl-model-file.h"
#include "nn.h"

G_BEGIN_DECLS

/* Exit statuses, documented in the README. */
typedef enum
{
  CLI_EXIT_OK          = 0,
  CLI_EXIT_RUNTIME     = 1,   /* bad file, divergence, I/O error */
  CLI_EXIT_USAGE       = 2,   /* bad option or value */
  CLI_EXIT_INTERRUPTED = 130, /* SIGINT, like a shell reports it */
} CliExit;

typedef int (*CliCommandFunc) (int    argc,
                               char **argv);

int      cli_train (int argc, char **argv);
int      cli_eval (int argc, char **argv);
int      cli_info (int argc, char **argv);
int      cli_bench (int argc, char **argv);
int      cli_encode (int argc, char **argv);        /* cli-encode.c, helpers in cli-latent.h */
int      cli_decode (int argc, char **argv);
int      cli_interpolate (int argc, char **argv);
int      cli_anomalies (int argc, char **argv);
int      cli_compress (int argc, char **argv);      /* cli-compress.c etc., helpers in cli-codec.h */
int      cli_decompress (int argc, char **argv);
int      cli_compare (int argc, char **argv);
int      cli_rd (int argc, char **argv);
int      cli_sample (int argc, char **argv);        /* cli-sample.c: VAE samples */

/* "bottleneck-cli <command>: <message>" on one line of stderr; returns the code. */
int      cli_fail (const char *command,
                   CliExit     code,
                   const char *format,
                   ...) G_GNUC_PRINTF (3, 4);

/* Same with a hint to run --help (usage errors); returns CLI_EXIT_USAGE. */
int      cli_usage_fail (const char *command,
                         const char *message);

/* A GOptionContext whose main group carries `entries` (may be NULL) and, when
 * cfg is non-NULL, one callback entry per model/training key that sets cfg
 * through nn_config_set for each name in config_keys (NULL-terminated, in
 * their "--with-dashes" spelling): the engine owns the rules and the messages. */
GOptionContext *cli_option_context_new (const char         *command,
                                        const char         *parameter_string,
                                        const char         *summary,
                                        const GOptionEntry *entries,
                                        NnConfig           *cfg,
                                        const char * const *config_keys);

/* Parses argv. Options GLib does not know are mapped onto cfg generically
 * (--some-key value, --some-key=value or a bare --flag meaning "true"), so the
 * keys later engine versions add work without touching the CLI. Positional
 * arguments are returned (NULL-terminated, owned by the caller) when
 * `positional` is non-NULL, otherwise they are an error. */
gboolean cli_parse (GOptionContext   *context,
                    NnConfig         *cfg,
                    int              *argc,
                    char           ***argv,
                    char           ***positional,
                    GError          **error);

/* The first configuration key (engine spelling, "val_split") that cli_parse
 * set from the command line and that is not in except (NULL-terminated, may
 * be NULL); NULL when there is none. */
const char *cli_config_key_given (const char * const *except);
/* TRUE when cli_parse set key (engine spelling) from the command line. */
gboolean    cli_config_key_was_given (const char *key);

/* Sets cfg's input shape (in_channels, in_height, in_width) and data set name
 * from ds, so the model fits what it trains on, then validates the whole
 * configuration (the engine's message on error). */
gboolean cli_config_set_input (NnConfig    *cfg,
                               BtlDataset  *ds,
                               GError     **error);

/* Opens spec ("fashion-mnist", an IDX folder or a folder of pictures) for a
 * model with configuration cfg: a folder of pictures is cut into tiles of the
 * model's input size and colours, with its seed, so the test half is the one
 * training held out. Without cfg, or for IDX files, as btl_dataset_open(). */
gboolean cli_dataset_open_for_model (const char      *spec,
                                     const NnConfig  *cfg,
                                     BtlDataset     **train,
                                     BtlDataset     **test,
                                     GError         **error);

/* The model of a model file (.btl) or of a project (.btlproj, told apart
 * by its content), with its info (latent statistics, run summary). */
NnModel *cli_model_load (const char    *path,
                         BtlModelInfo  *info,
                         GError       **error);

/* TRUE when the file at path starts with magic (e.g. "BTLMODEL", "BTLZ"). */
gboolean cli_file_has_magic (const char *path,
                             const char *magic);

/* FALSE with an error when the output path names the same file as one of
 * the n inputs (NULL entries are skipped): by name, or by identity when
 * both exist (links). */
gboolean cli_check_not_input (const char         *output,
                              const char * const *inputs,
                              guint               n,
                              GError            **error);

/* Checks, before any long work, that a file can be created at path: its folder
 * exists and is writable, and path is not a folder. The error names both. */
gboolean cli_check_writable (const char  *path,
                             GError     **error);

/* ------------------------------------------------------------ JSON writer */

/* One flat JSON object at a time; numbers always with '.', non-finite → null. */
typedef struct
{
  GString *str;
  gboolean first;
} CliJson;

void     cli_json_begin (CliJson *json);
void     cli_json_add_string (CliJson *json, const char *key, const char *value);
void     cli_json_add_double (CliJson *json, const char *key, double value);
void     cli_json_add_int (CliJson *json, const char *key, gint64 value);
void     cli_json_add_bool (CliJson *json, const char *key, gboolean value);
/* `raw` must already be valid JSON (an array or nested object). */
void     cli_json_add_raw (CliJson *json, const char *key, const char *raw);
/* Prints the object and a newline to stdout, flushes, frees. */
void     cli_json_print (CliJson *json);
/* Returns the object text (caller frees). */
char    *cli_json_end (CliJson *json);

/* Appends `value` as a JSON string literal (quotes included). */
void     cli_json_append_string (GString *str, const char *value);
/* Appends a number ('.' decimal point); non-finite → null. */
void     cli_json_append_double (GString *str, double value);

/* ------------------------------------------------------------ misc */

/* Seconds on the monotonic clock. */
double   cli_now (void);

/* Peak resident set size of this process in MB (getrusage). */
double   cli_peak_rss_mb (void);

G_END_DECLS
