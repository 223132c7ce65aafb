/* cli-common.c — see cli-common.h. */
#include "config.h"

#include "cli-common.h"

#include "btl-error.h"
#include "btl-image-folder.h"
#include "btl-project.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Help text for the configuration keys a subcommand lists in its --help. Keys
 * not in this table still work (cli_parse maps them generically), they are
 * just not listed. */
typedef struct
{
  const char *name;         /* "--name" spelling, without the dashes */
  const char *description;
  const char *arg;
} CliKeyHelp;

static const CliKeyHelp key_help[] = {
  { "arch",       N_("Encoder layers, dense 784-512-128-32 or conv c32k3s2,c64k3s2,d32 (best with --batch-norm true); the decoder mirrors it"), N_("ARCH") },
  { "activation", N_("Hidden-layer activation: relu, leaky_relu, tanh, sigmoid, identity"), N_("NAME") },
  { "loss",       N_("Reconstruction loss: mse or bce"), N_("NAME") },
  { "optimizer",  N_("Optimizer: adam or sgd"), N_("NAME") },
  { "lr",         N_("Learning rate (default 1e-3)"), N_("RATE") },
  { "batch",      N_("Minibatch size (default 128)"), N_("N") },
  { "epochs",     N_("Epochs to train (default 5)"), N_("N") },
  { "seed",       N_("Seed for initialisation, shuffling, noise and dropout (default 1)"), N_("N") },
  { "threads",    N_("BLAS threads, 0 = OpenBLAS default"), N_("N") },
  { "val-split",  N_("Fraction of the training images held out for validation (default 0.1; a folder of pictures: of the pictures)"), N_("F") },
  { "dropout",    N_("Dropout probability after each hidden layer, 0 = off"), N_("P") },
  { "patience",   N_("Stop after N epochs without a better validation loss, 0 = off"), N_("N") },
};

int
cli_fail (const char *command,
          CliExit     code,
          const char *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);

  /* Multi-line messages would break "one line on stderr": fold them. */
  g_strdelimit (message, "\r\n", ' ');
  fflush (stdout);
  if (command != NULL)
    fprintf (stderr, "bottleneck-cli %s: %s\n", command, message);
  else
    fprintf (stderr, "bottleneck-cli: %s\n", message);
  return code;
}

int
cli_usage_fail (const char *command,
                const char *message)
{
  return cli_fail (command, CLI_EXIT_USAGE,
                   _("%s (see “bottleneck-cli %s --help”)"),
                   message, command != NULL ? command : "");
}

/* "--val-split" → "val_split": the engine's key spelling. */
static char *
option_to_key (const char *option_name)
{
  char *key;

  while (*option_name == '-')
    option_name++;
  key = g_strdup (option_name);
  g_strdelimit (key, "-", '_');
  return key;
}

/* The configuration keys given on this command line, in the engine's
 * spelling (one command runs per process). */
static GPtrArray *keys_given;

static gboolean
set_config_key (NnConfig    *cfg,
                const char  *option_name,
                const char  *value,
                GError     **error)
{
  g_autofree char *key = option_to_key (option_name);
  NnError nerr = { 0 };

  if (nn_config_set (cfg, key, value, &nerr) != NN_OK)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           nerr.message[0] != '\0'
                             ? nerr.message : _("Invalid configuration value"));
      return FALSE;
    }
  if (keys_given == NULL)
    keys_given = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (keys_given, g_steal_pointer (&key));
  return TRUE;
}

gboolean
cli_config_key_was_given (const char *key)
{
  return keys_given != NULL
         && g_ptr_array_find_with_equal_func (keys_given, key, g_str_equal, NULL);
}

const char *
cli_config_key_given (const char * const *except)
{
  if (keys_given == NULL)
    return NULL;
  for (guint i = 0; i < keys_given->len; i++)
    {
      const char *key = keys_given->pdata[i];

      if (except == NULL || !g_strv_contains (except, key))
        return key;
    }
  return NULL;
}

static gboolean
config_option_cb (const char  *option_name,
                  const char  *value,
                  gpointer     user_data,
                  GError     **error)
{
  return set_config_key (user_data, option_name, value, error);
}

GOptionContext *
cli_option_context_new (const char         *command,
                        const char         *parameter_string,
                        const char         *summary,
                        const GOptionEntry *entries,
                        NnConfig           *cfg,
                        const char * const *config_keys)
{
  GOptionContext *context;
  GOptionGroup *group;

  context = g_option_context_new (parameter_string);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (summary != NULL)
    g_option_context_set_summary (context, summary);

  /* The group's user data is the config, so the callbacks can reach it. */
  group = g_option_group_new (command, command, command, cfg, NULL);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  if (entries != NULL)
    g_option_group_add_entries (group, entries);

  if (cfg != NULL && config_keys != NULL)
    {
      for (guint i = 0; config_keys[i] != NULL; i++)
        {
          GOptionEntry entry[2] = { { 0 } };

          for (guint j = 0; j < G_N_ELEMENTS (key_help); j++)
            if (strcmp (key_help[j].name, config_keys[i]) == 0)
              {
                entry[0].description = key_help[j].description;
                entry[0].arg_description = key_help[j].arg;
              }
          g_assert (entry[0].description != NULL);
          /* GLib keeps pointers to these strings: config_keys must be static. */
          entry[0].long_name = config_keys[i];
          entry[0].arg = G_OPTION_ARG_CALLBACK;
          entry[0].arg_data = (gpointer) config_option_cb;
          g_option_group_add_entries (group, entry);
        }
    }

  g_option_context_set_main_group (context, group);
  /* Unknown --keys go to the engine's configuration (see cli_parse). */
  g_option_context_set_ignore_unknown_options (context, cfg != NULL);
  return context;
}

static gboolean
looks_like_option (const char *arg)
{
  /* "-1" and "-.5" are values; "-x" and "--x" are options. */
  return arg[0] == '-' && arg[1] != '\0'
         && !g_ascii_isdigit (arg[1]) && arg[1] != '.';
}

gboolean
cli_parse (GOptionContext   *context,
           NnConfig         *cfg,
           int              *argc,
           char           ***argv,
           char           ***positional,
           GError          **error)
{
  g_autoptr(GPtrArray) rest = g_ptr_array_new_with_free_func (g_free);
  gboolean only_positional = FALSE;
  char **args;

  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  args = *argv;
  for (int i = 1; i < *argc; i++)
    {
      const char *arg = args[i];

      if (only_positional || !looks_like_option (arg))
        {
          g_ptr_array_add (rest, g_strdup (arg));
          continue;
        }
      if (strcmp (arg, "--") == 0)
        {
          only_positional = TRUE;
          continue;
        }
      if (cfg == NULL || arg[1] != '-')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                       _("Unknown option %s"), arg);
          return FALSE;
        }

      {
        g_autofree char *name = g_strdup (arg);
        const char *value;
        char *eq = strchr (name, '=');

        if (eq != NULL)
          {
            *eq = '\0';
            value = eq + 1;
          }
        else if (i + 1 < *argc && !looks_like_option (args[i + 1]))
          value = args[++i];
        else
          value = "true";   /* a bare --flag, e.g. --batch-norm */

        if (!set_config_key (cfg, name, value, error))
          return FALSE;
      }
    }

  if (positional != NULL)
    {
      g_ptr_array_add (rest, NULL);
      *positional = (char **) g_ptr_array_steal (rest, NULL);
    }
  else if (rest->len > 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("Unexpected argument “%s”"), (const char *) rest->pdata[0]);
      return FALSE;
    }
  return TRUE;
}

NnModel *
cli_model_load (const char    *path,
                BtlModelInfo  *info,
                GError       **error)
{
  g_autoptr(BtlProject) project = NULL;
  NnModel *model;

  if (!btl_project_file_sniff (path))
    return btl_model_file_load (path, NULL, info, error);

  project = btl_project_load (path, error);
  if (project == NULL)
    return NULL;
  model = btl_project_dup_model (project, error);
  if (model != NULL && info != NULL)
    {
      btl_model_info_clear (info);
      btl_model_info_copy (info, &project->info);
    }
  return model;
}

gboolean
cli_file_has_magic (const char *path,
                    const char *magic)
{
  size_t len = strlen (magic);
  char head[16] = { 0 };
  FILE *f;
  gboolean same;

  g_return_val_if_fail (len <= sizeof head, FALSE);
  /* Not a FIFO: fopen would wait for a writer (the reader that follows
   * says what is wrong with anything that is not a regular file). */
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  f = fopen (path, "rb");
  if (f == NULL)
    return FALSE;
  same = fread (head, 1, len, f) == len && memcmp (head, magic, len) == 0;
  fclose (f);
  return same;
}

gboolean
cli_dataset_open_for_model (const char      *spec,
                            const NnConfig  *cfg,
                            BtlDataset     **train,
                            BtlDataset     **test,
                            GError         **error)
{
  BtlImageFolderOptions opts;

  if (cfg == NULL || strcmp (spec, "fashion-mnist") == 0 || !btl_image_folder_detect (spec))
    return btl_dataset_open (spec, train, test, error);

  /* As cli-train.c cut it (btl_dataset_open would cut 32×32 tiles). */
  btl_image_folder_options_init (&opts);
  if (cfg->in_height >= 4 && cfg->in_height <= 1024 && cfg->in_width >= 4 && cfg->in_width <= 1024)
    {
      opts.tile_height = cfg->in_height;
      opts.tile_width = cfg->in_width;
    }
  if (cfg->in_channels == 1 || cfg->in_channels == 3)
    opts.channels = cfg->in_channels;
  opts.seed = cfg->seed;
  return btl_image_folder_load (spec, &opts, train, test, NULL, error);
}

static gboolean
same_file (const char *a,
           const char *b)
{
  g_autofree char *ca = g_canonicalize_filename (a, NULL);
  g_autofree char *cb = g_canonicalize_filename (b, NULL);
  GStatBuf sa, sb;

  if (strcmp (ca, cb) == 0)
    return TRUE;
  return g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0
         && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

gboolean
cli_check_not_input (const char         *output,
                     const char * const *inputs,
                     guint               n,
                     GError            **error)
{
  for (guint i = 0; i < n; i++)
    if (inputs[i] != NULL && same_file (output, inputs[i]))
      {
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                     _("the output %s is the input %s: writing it would destroy it; choose "
                       "another output file"), output, inputs[i]);
        return FALSE;
      }
  return TRUE;
}

gboolean
cli_check_writable (const char  *path,
                    GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                   _("Cannot write %s: it is a folder"), path);
      return FALSE;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("Cannot write %s: the folder %s does not exist"), path, dir);
      return FALSE;
    }
  if (access (dir, W_OK) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES,
                   _("Cannot write %s: no permission to create files in %s"), path, dir);
      return FALSE;
    }
  /* Files are written to a temporary file beside path, then renamed: try
   * that now (a read-only file system, /proc, a full disk say no only then,
   * and access() says yes to root everywhere). */
  {
    g_autofree char *probe = g_build_filename (dir, ".bottleneck-cli-XXXXXX", NULL);
    int fd = g_mkstemp (probe);

    if (fd < 0)
      {
        int saved = errno;

        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                     _("Cannot write %s: cannot create files in %s (%s)"), path, dir,
                     g_strerror (saved));
        return FALSE;
      }
    close (fd);
    g_unlink (probe);
  }
  return TRUE;
}

gboolean
cli_config_set_input (NnConfig    *cfg,
                      BtlDataset  *ds,
                      GError     **error)
{
  const char *keys[] = { "in_channels", "in_height", "in_width" };
  int values[] = { ds->channels, ds->height, ds->width };
  NnError nerr = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      char buf[32];

      g_snprintf (buf, sizeof buf, "%d", values[i]);
      if (nn_config_set (cfg, keys[i], buf, &nerr) != NN_OK)
        return btl_error_from_nn (nerr.code, &nerr, error);
    }
  /* The name is provenance only: a folder's name may be long or odd, so store
   * a tidy, shortened copy rather than refuse to train. */
  {
    g_autofree char *name = g_utf8_make_valid (ds->name != NULL ? ds->name : "", -1);
    char *end;

    for (char *p = name; *p != '\0'; p++)
      if ((guchar) *p < 0x20 || *p == 0x7f)
        *p = '_';
    if (strlen (name) > NN_NAME_MAX - 1)
      {
        end = g_utf8_find_prev_char (name, name + NN_NAME_MAX);
        *end = '\0';
      }
    if (nn_config_set (cfg, "dataset", *name != '\0' ? name : "unnamed", &nerr) != NN_OK)
      return btl_error_from_nn (nerr.code, &nerr, error);
  }
  return btl_error_from_nn (nn_config_validate (cfg, &nerr), &nerr, error);
}

/* ------------------------------------------------------------ JSON */

void
cli_json_begin (CliJson *json)
{
  json->str = g_string_new ("{");
  json->first = TRUE;
}

static void
add_key (CliJson    *json,
         const char *key)
{
  if (!json->first)
    g_string_append_c (json->str, ',');
  json->first = FALSE;
  cli_json_append_string (json->str, key);
  g_string_append_c (json->str, ':');
}

void
cli_json_append_string (GString    *str,
                        const char *value)
{
  g_autofree char *valid = NULL;

  /* JSON is UTF-8: a file name in another encoding (or any stray byte)
   * becomes U+FFFD instead of making the whole document unreadable. */
  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);
  g_string_append_c (str, '"');
  for (const unsigned char *p = (const unsigned char *) value; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':  g_string_append (str, "\\\""); break;
        case '\\': g_string_append (str, "\\\\"); break;
        case '\n': g_string_append (str, "\\n"); break;
        case '\r': g_string_append (str, "\\r"); break;
        case '\t': g_string_append (str, "\\t"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (str, "\\u%04x", *p);
          else
            g_string_append_c (str, (char) *p);
        }
    }
  g_string_append_c (str, '"');
}

void
cli_json_append_double (GString *str,
                        double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      g_string_append (str, "null");
      return;
    }
  /* 7 significant digits: a float's precision (0.001, not 0.00100000005). */
  g_string_append (str, g_ascii_formatd (buf, sizeof buf, "%.7g", value));
}

void
cli_json_add_string (CliJson    *json,
                     const char *key,
                     const char *value)
{
  add_key (json, key);
  if (value == NULL)
    g_string_append (json->str, "null");
  else
    cli_json_append_string (json->str, value);
}

void
cli_json_add_double (CliJson    *json,
                     const char *key,
                     double      value)
{
  add_key (json, key);
  cli_json_append_double (json->str, value);
}

void
cli_json_add_int (CliJson    *json,
                  const char *key,
                  gint64      value)
{
  add_key (json, key);
  g_string_append_printf (json->str, "%" G_GINT64_FORMAT, value);
}

void
cli_json_add_bool (CliJson    *json,
                   const char *key,
                   gboolean    value)
{
  add_key (json, key);
  g_string_append (json->str, value ? "true" : "false");
}

void
cli_json_add_raw (CliJson    *json,
                  const char *key,
                  const char *raw)
{
  add_key (json, key);
  g_string_append (json->str, raw);
}

char *
cli_json_end (CliJson *json)
{
  g_string_append_c (json->str, '}');
  return g_string_free (g_steal_pointer (&json->str), FALSE);
}

void
cli_json_print (CliJson *json)
{
  g_autofree char *text = cli_json_end (json);

  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

/* ------------------------------------------------------------ misc */

double
cli_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

double
cli_peak_rss_mb (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return NAN;
  return usage.ru_maxrss / 1024.0;   /* Linux reports KiB */
}
