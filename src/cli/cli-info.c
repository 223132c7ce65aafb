/* cli-info.c — `bottleneck-cli info`: what a model file (.btl) or a
 * project file (.btlproj: the model plus the run's data set, seed, BLAS,
 * loss history and trainer state) holds. */
#include "config.h"

#include "cli-common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "btl-loss-history.h"
#include "btl-model-file.h"
#include "btl-project.h"

/* nn_config_format / nn_model_describe into a new string. */
static char *
format_config (const NnConfig *cfg)
{
  size_t len = nn_config_format (cfg, NULL, 0);
  char *buf = g_malloc (len + 1);

  nn_config_format (cfg, buf, len + 1);
  return buf;
}

static char *
describe_model (const NnModel *model)
{
  size_t len = nn_model_describe (model, NULL, 0);
  char *buf = g_malloc (len + 1);

  nn_model_describe (model, buf, len + 1);
  return buf;
}

static char *
format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time <= 0)
    return NULL;
  dt = g_date_time_new_from_unix_utc (unix_time);
  return dt != NULL ? g_date_time_format_iso8601 (dt) : NULL;
}

/* "key=value\n…" → {"key":"value",…} (values stay strings: the engine's text form). */
static char *
config_to_json (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *str = g_string_new ("{");
  gboolean first = TRUE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');

      if (eq == NULL)
        continue;
      *eq = '\0';
      if (!first)
        g_string_append_c (str, ',');
      first = FALSE;
      cli_json_append_string (str, lines[i]);
      g_string_append_c (str, ':');
      cli_json_append_string (str, eq + 1);
    }
  g_string_append_c (str, '}');
  return g_string_free (str, FALSE);
}

static char *
lines_to_json (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *str = g_string_new ("[");
  gboolean first = TRUE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0')
        continue;
      if (!first)
        g_string_append_c (str, ',');
      first = FALSE;
      cli_json_append_string (str, g_strstrip (lines[i]));
    }
  g_string_append_c (str, ']');
  return g_string_free (str, FALSE);
}

/* Per-epoch rows of the stored history as a JSON array. */
static char *
history_epochs_to_json (BtlLossHistory *history)
{
  GString *str = g_string_new ("[");
  guint n = btl_loss_history_get_n_epochs (history);

  for (guint i = 0; i < n; i++)
    {
      BtlLossEpoch e;
      CliJson j;
      g_autofree char *obj = NULL;

      btl_loss_history_get_epoch (history, i, &e);
      cli_json_begin (&j);
      cli_json_add_int (&j, "epoch", e.epoch + 1);
      cli_json_add_int (&j, "step", e.step);
      cli_json_add_double (&j, "train_loss", e.train);
      cli_json_add_double (&j, "val_loss", e.val);
      cli_json_add_double (&j, "test_psnr_db", e.test_psnr);
      obj = cli_json_end (&j);
      if (i > 0)
        g_string_append_c (str, ',');
      g_string_append (str, obj);
    }
  g_string_append_c (str, ']');
  return g_string_free (str, FALSE);
}

/* The value of "key=" among the configuration lines, or "". */
static const char *
config_value (char       **lines,
              const char  *key)
{
  size_t len = strlen (key);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strncmp (lines[i], key, len) == 0 && lines[i][len] == '=')
      return lines[i] + len + 1;
  return "";
}

/* "vae, beta 1" — the kind and the settings that only it uses. */
static char *
describe_kind (char **config_lines)
{
  const char *kind = config_value (config_lines, "kind");

  if (strcmp (kind, "denoising") == 0)
    return g_strdup_printf (_("denoising, noise %s"), config_value (config_lines, "noise"));
  if (strcmp (kind, "sparse") == 0)
    return g_strdup_printf (_("sparse, sparsity %s"), config_value (config_lines, "sparsity"));
  if (strcmp (kind, "vae") == 0)
    return g_strdup_printf (_("variational, β %s"), config_value (config_lines, "beta"));
  return g_strdup (kind);
}

/* What the project's trainer state says (FALSE when it has none). */
static gboolean
project_state (BtlProject         *project,
               NnTrainerStateInfo *state)
{
  if (project == NULL || project->trainer_state == NULL)
    return FALSE;
  /* The reader checked it: this only fills the numbers in. */
  return nn_trainer_state_inspect (g_bytes_get_data (project->trainer_state, NULL),
                                   g_bytes_get_size (project->trainer_state), state, NULL) == NN_OK;
}

static void
print_project_text (BtlProject *project)
{
  BtlLossHistory *history = project->history;
  NnTrainerStateInfo state;
  g_autofree char *created = format_time (project->created);

  printf ("\n%s\n", _("Project:"));
  printf (_("  format          project file, version %d\n"), BTL_PROJECT_VERSION);
  if (project->dataset_spec != NULL)
    printf (_("  data set        %s (%s)\n"), project->dataset_spec,
            project->dataset_name != NULL ? project->dataset_name : _("name unknown"));
  if (project->train_limit > 0)
    printf (_("  training images the first %d\n"), project->train_limit);
  else
    printf (_("  training images all\n"));
  printf (_("  seed            %llu\n"), (unsigned long long) project->config.seed);
  if (project->threads > 0)
    printf (_("  BLAS threads    %d used (setting %d)\n"), project->threads, project->config.threads);
  else
    printf (_("  BLAS threads    unknown (setting %d)\n"), project->config.threads);
  if (project->blas_core != NULL)
    printf (_("  BLAS core       %s\n"), project->blas_core);
  if (project->blas_config != NULL)
    printf (_("  BLAS build      %s\n"), project->blas_config);
  printf (_("  loss history    steps %u, epochs %u, markers %u\n"),
          btl_loss_history_get_n_steps (history), btl_loss_history_get_n_epochs (history),
          btl_loss_history_get_n_markers (history));
  if (project_state (project, &state))
    printf (_("  optimizer state yes: step %lld, epoch %d, %s (%zu bytes)\n"),
            (long long) state.step, state.epoch,
            state.optimizer == NN_OPTIM_SGD ? "SGD" : "Adam",
            g_bytes_get_size (project->trainer_state));
  else
    printf (_("  optimizer state no (Continue starts a fresh optimizer)\n"));
  if (project->app_version != NULL)
    printf (_("  saved by        Bottleneck %s\n"), project->app_version);
  if (created != NULL)
    printf (_("  project saved   %s\n"), created);
}

/* The project's extra keys (after the model's, none renamed). */
static void
add_project_json (CliJson    *j,
                  BtlProject *project)
{
  NnTrainerStateInfo state;
  g_autofree char *created = format_time (project->created);

  cli_json_add_int (j, "project_format_version", BTL_PROJECT_VERSION);
  cli_json_add_string (j, "dataset", project->dataset_spec);
  cli_json_add_string (j, "dataset_name", project->dataset_name);
  cli_json_add_int (j, "train_limit", project->train_limit);
  cli_json_add_int (j, "seed", (gint64) project->config.seed);
  cli_json_add_int (j, "threads_setting", project->config.threads);
  cli_json_add_int (j, "blas_threads", project->threads);
  cli_json_add_string (j, "blas_core", project->blas_core);
  cli_json_add_string (j, "blas_config", project->blas_config);
  cli_json_add_string (j, "app_version", project->app_version);
  cli_json_add_string (j, "project_created", created);
  cli_json_add_int (j, "history_points", btl_loss_history_get_n_steps (project->history));
  cli_json_add_int (j, "history_markers", btl_loss_history_get_n_markers (project->history));
  if (project->has_run_config)
    {
      g_autofree char *text = format_config (&project->run_config);
      g_autofree char *json = config_to_json (text);

      cli_json_add_raw (j, "start_config", json);
    }
  if (project_state (project, &state))
    {
      cli_json_add_bool (j, "optimizer_state", TRUE);
      cli_json_add_string (j, "optimizer", state.optimizer == NN_OPTIM_SGD ? "sgd" : "adam");
      cli_json_add_int (j, "optimizer_state_step", state.step);
      cli_json_add_int (j, "optimizer_state_epoch", state.epoch);
      cli_json_add_int (j, "optimizer_state_bytes", (gint64) g_bytes_get_size (project->trainer_state));
    }
  else
    cli_json_add_bool (j, "optimizer_state", FALSE);
}

static void
print_text (const char         *path,
            NnModel            *model,
            const BtlModelInfo *info,
            BtlLossHistory     *history,
            const char         *config_text,
            const char         *layers,
            BtlProject         *project)
{
  g_autofree char *created = format_time (info->created);
  g_auto(GStrv) config_lines = g_strsplit (config_text, "\n", -1);
  g_autofree char *kind = describe_kind (config_lines);

  printf ("%s\n", path);
  printf (_("  kind        %s\n"), kind);
  printf (_("  parameters  %zu (+ %zu statistics)\n"),
          nn_model_n_params (model), nn_model_n_stats (model));
  printf (_("  input       %d values, code %d values\n"),
          nn_model_input_dim (model), nn_model_latent_dim (model));
  printf ("\n%s\n", _("Layers:"));
  {
    g_auto(GStrv) lines = g_strsplit (layers, "\n", -1);

    for (guint i = 0; lines[i] != NULL; i++)
      if (lines[i][0] != '\0')
        printf ("  %s\n", lines[i]);
  }

  printf ("\n%s\n", _("Configuration:"));
  for (guint i = 0; config_lines[i] != NULL; i++)
    if (config_lines[i][0] != '\0')
      printf ("  %s\n", config_lines[i]);

  printf ("\n%s\n", _("Training:"));
  printf (_("  epochs trained  %d\n"), info->epochs_trained);
  if (info->best_epoch >= 0)
    printf (_("  best epoch      %d\n"), info->best_epoch + 1);
  if (isfinite (info->train_loss))
    printf (_("  train loss      %.6f\n"), info->train_loss);
  if (isfinite (info->val_loss))
    printf (_("  val loss        %.6f\n"), info->val_loss);
  if (isfinite (info->test_psnr_db))
    printf (_("  test            MSE %.6f  PSNR %.2f dB  SSIM %.4f\n"),
            info->test_mse, info->test_psnr_db, info->test_ssim);
  if (isfinite (info->train_seconds))
    printf (_("  time            %.1f s, %.0f samples/s\n"),
            info->train_seconds, info->samples_per_s);
  if (created != NULL)
    printf (_("  saved           %s\n"), created);
  if (info->latent_dim > 0)
    printf (_("  latent stats    %d dimensions\n"), info->latent_dim);

  if (history != NULL && btl_loss_history_get_n_epochs (history) > 0)
    {
      guint n = btl_loss_history_get_n_epochs (history);

      printf ("\n%s\n", _("History (per epoch):"));
      printf ("  %5s %8s %12s %12s %14s\n", _("epoch"), _("step"),
              _("train loss"), _("val loss"), _("test PSNR dB"));
      for (guint i = 0; i < n; i++)
        {
          BtlLossEpoch e;

          btl_loss_history_get_epoch (history, i, &e);
          printf ("  %5d %8" G_GINT64_FORMAT " %12.6f %12.6f %14.2f\n",
                  e.epoch + 1, e.step, e.train, e.val, e.test_psnr);
        }
      printf (_("  %u steps recorded\n"), btl_loss_history_get_n_steps (history));
    }
  else
    printf ("\n%s\n", _("No training history stored."));

  if (project != NULL)
    print_project_text (project);
}

static void
print_json (const char         *path,
            NnModel            *model,
            const BtlModelInfo *info,
            BtlLossHistory     *history,
            const char         *config_text,
            const char         *layers,
            BtlProject         *project)
{
  g_autofree char *created = format_time (info->created);
  g_autofree char *config_json = config_to_json (config_text);
  g_autofree char *layers_json = lines_to_json (layers);
  CliJson j;

  cli_json_begin (&j);
  cli_json_add_string (&j, "file", path);
  cli_json_add_int (&j, "format_version", BTL_MODEL_FILE_VERSION);
  cli_json_add_int (&j, "params", nn_model_n_params (model));
  cli_json_add_int (&j, "stats", nn_model_n_stats (model));
  cli_json_add_int (&j, "input_dim", nn_model_input_dim (model));
  cli_json_add_int (&j, "latent_dim", nn_model_latent_dim (model));
  cli_json_add_raw (&j, "config", config_json);
  cli_json_add_raw (&j, "layers", layers_json);
  cli_json_add_int (&j, "epochs_trained", info->epochs_trained);
  cli_json_add_int (&j, "best_epoch",
                    info->best_epoch >= 0 ? info->best_epoch + 1 : -1);
  cli_json_add_double (&j, "train_loss", info->train_loss);
  cli_json_add_double (&j, "val_loss", info->val_loss);
  cli_json_add_double (&j, "test_mse", info->test_mse);
  cli_json_add_double (&j, "test_psnr_db", info->test_psnr_db);
  cli_json_add_double (&j, "test_ssim", info->test_ssim);
  cli_json_add_double (&j, "train_seconds", info->train_seconds);
  cli_json_add_double (&j, "samples_per_s", info->samples_per_s);
  cli_json_add_string (&j, "created", created);
  cli_json_add_int (&j, "latent_stats_dim", info->latent_dim);
  if (history != NULL)
    {
      g_autofree char *epochs = history_epochs_to_json (history);

      cli_json_add_int (&j, "history_steps", btl_loss_history_get_n_steps (history));
      cli_json_add_raw (&j, "history_epochs", epochs);
    }
  else
    {
      cli_json_add_int (&j, "history_steps", 0);
      cli_json_add_raw (&j, "history_epochs", "[]");
    }
  cli_json_add_string (&j, "file_type", project != NULL ? "project" : "model");
  if (project != NULL)
    add_project_json (&j, project);
  cli_json_print (&j);
}

int
cli_info (int    argc,
          char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print everything as one JSON object"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = NULL;
  g_autoptr(GBytes) history_bytes = NULL;
  g_autoptr(BtlLossHistory) history = NULL;
  g_autoptr(BtlProject) project = NULL;
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autofree char *config_text = NULL;
  g_autofree char *layers = NULL;
  NnModel *model;

  context = cli_option_context_new ("info", _("MODEL.btl|PROJECT.btlproj"),
                                    _("Show a model file’s configuration, layers, "
                                      "parameter count and training history; for a "
                                      "project file also its data set, seed, BLAS, "
                                      "loss history and whether it carries the "
                                      "optimizer state."),
                                    entries, NULL, NULL);
  if (!cli_parse (context, NULL, &argc, &argv, &files, &error))
    return cli_usage_fail ("info", error->message);
  if (files[0] == NULL || files[1] != NULL)
    return cli_usage_fail ("info", _("Give exactly one model file"));

  /* A project by its content (or its name, so a damaged one says why). */
  if (btl_project_file_sniff (files[0]) || g_str_has_suffix (files[0], BTL_PROJECT_EXTENSION))
    {
      project = btl_project_load (files[0], &error);
      if (project == NULL)
        return cli_fail ("info", CLI_EXIT_RUNTIME, "%s", error->message);
      model = btl_project_dup_model (project, &error);
      if (model == NULL)
        return cli_fail ("info", CLI_EXIT_RUNTIME, "%s: %s", files[0], error->message);
      btl_model_info_copy (&info, &project->info);
      history = g_object_ref (project->history);
    }
  else
    {
      if (cli_file_has_magic (files[0], "BTLZ"))
        return cli_fail ("info", CLI_EXIT_RUNTIME,
                         _("%s is a compressed picture (.btlz), not a model: info reads "
                           ".btl and .btlproj files; decompress it with the model that made it"),
                         files[0]);
      model = btl_model_file_load (files[0], &history_bytes, &info, &error);
      if (model == NULL)
        return cli_fail ("info", CLI_EXIT_RUNTIME, "%s", error->message);
    }

  if (history_bytes != NULL)
    {
      history = btl_loss_history_new_from_bytes (history_bytes, &error);
      if (history == NULL)
        {
          nn_model_free (model);
          return cli_fail ("info", CLI_EXIT_RUNTIME, _("%s: training history: %s"),
                           files[0], error->message);
        }
    }

  config_text = format_config (nn_model_get_config (model));
  layers = describe_model (model);
  if (json)
    print_json (files[0], model, &info, history, config_text, layers, project);
  else
    print_text (files[0], model, &info, history, config_text, layers, project);

  nn_model_free (model);
  return CLI_EXIT_OK;
}
