/* cli-train.c — `bottleneck-cli train`: train an autoencoder (or continue a
 * project's run, --continue), report each epoch, save the model, an optional
 * project, loss log and sample grid.
 *
 * Ctrl+C: the first SIGINT cancels between two steps; the project gets the
 * weights and trainer state of that step (so --continue goes on from it),
 * then the best weights so far (lowest validation loss at an epoch end, or
 * the current ones when no epoch has finished) are saved to --out and the
 * command exits with 130. A second SIGINT kills the process the ordinary way. */
#include "config.h"

#include "cli-common.h"
#include "cli-train.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "btl-dataset.h"
#include "btl-error.h"
#include "btl-evaluate.h"
#include "btl-image.h"
#include "btl-image-folder.h"
#include "btl-latent.h"
#include "btl-loss-history.h"
#include "btl-metrics.h"
#include "btl-model-file.h"
#include "nn-blas.h"

#define GRID_IMAGES 16
#define GRID_SCALE  2
#define EVAL_CHUNK  256
/* Latent statistics are taken over at most this many training images: enough
 * for stable ranges, cheap next to training. */

static const char * const train_keys[] = {
  "arch", "activation", "loss", "optimizer", "lr", "batch", "epochs", "seed",
  "threads", "val-split", "dropout", "patience", NULL
};

static volatile sig_atomic_t interrupted = 0;

static void
on_sigint (int signum)
{
  interrupted = 1;
}

typedef struct
{
  /* borrowed */
  NnTrainer      *trainer;
  NnModel        *model;
  BtlDataset     *test;
  int             val_images;     /* validation rows (held-out pictures' tiles, or the split) */
  int             batch;          /* rows per step (the configured batch, or all rows when fewer) */
  const NnConfig *cfg;
  int             target_epochs;  /* the epoch this run ends with (1-based) */
  /* owned */
  NnInference    *inference;
  float          *recon;          /* (EVAL_CHUNK, dim) scratch for per-epoch PSNR */
  GString        *log;            /* CSV, or NULL */
  BtlLossHistory *history;
  /* state */
  gboolean        json;
  double          start;
  double          eval_seconds;   /* time spent evaluating, not training */
  gint64          last_step;
  gint64          steps_run;      /* steps in this process (a continued run counts from 0) */
  int             epochs_done;
  int             best_epoch;
  double          train_loss;     /* mean over the last finished epoch */
  double          val_loss;
  double          test_psnr_db;   /* last per-epoch figure */
  gboolean        eval_failed;
} TrainState;

/* Mean over test images of 10·log10(1/mse_i): no SSIM, so it is cheap enough
 * for every epoch. Reconstructs EVAL_CHUNK images at a time, so the scratch
 * stays small whatever the test set's size. NaN if the engine refuses. */
static double
epoch_test_psnr (TrainState *st)
{
  int dim = btl_dataset_dim (st->test);
  double sum = 0.0;
  NnError nerr = { 0 };

  for (int first = 0; first < st->test->n; first += EVAL_CHUNK)
    {
      int count = MIN (EVAL_CHUNK, st->test->n - first);

      if (nn_inference_reconstruct (st->inference, nn_model_params (st->model),
                                    nn_model_stats (st->model),
                                    btl_dataset_image (st->test, first), count,
                                    st->recon, &nerr) != NN_OK)
        {
          st->eval_failed = TRUE;
          return NAN;
        }
      for (int i = 0; i < count; i++)
        sum += btl_psnr_from_mse (btl_mse (btl_dataset_image (st->test, first + i),
                                           st->recon + (size_t) i * dim, dim));
    }
  return sum / st->test->n;
}

static void
append_csv_double (GString *str,
                   double   value)
{
  g_string_append_c (str, ',');
  if (isfinite (value))
    cli_json_append_double (str, value);
}

static void
on_progress (const NnProgress *p,
             void             *user_data)
{
  TrainState *st = user_data;

  if (interrupted)
    nn_trainer_cancel (st->trainer);

  if (!p->epoch_end)
    {
      st->last_step = p->step;
      st->steps_run++;
      btl_loss_history_add_step (st->history, p->step, p->epoch, p->train_loss,
                                 p->recon_loss, p->reg_loss);
      if (st->log != NULL)
        {
          g_string_append_printf (st->log, "step,%" G_GINT64_FORMAT ",%d",
                                  p->step, p->epoch + 1);
          append_csv_double (st->log, p->train_loss);
          append_csv_double (st->log, p->recon_loss);
          append_csv_double (st->log, p->reg_loss);
          append_csv_double (st->log, p->lr);
          g_string_append (st->log, ",,,\n");
        }
      return;
    }

  /* Epoch end. */
  {
    double t0 = cli_now ();
    /* The trainer's mean over the whole epoch, also when it began before a
     * --continue. */
    double train_loss = p->train_loss;
    double elapsed;

    st->test_psnr_db = epoch_test_psnr (st);
    st->eval_seconds += cli_now () - t0;
    elapsed = cli_now () - st->start;

    st->epochs_done = p->epoch + 1;
    st->best_epoch = p->best_epoch;
    st->train_loss = train_loss;
    st->val_loss = p->val_loss;

    btl_loss_history_add_epoch (st->history, p->epoch, p->step, train_loss,
                                p->val_loss, p->val_recon_loss, p->val_reg_loss,
                                st->test_psnr_db);
    if (p->best_epoch >= 0)
      btl_loss_history_set_best_epoch (st->history, p->best_epoch);

    if (st->log != NULL)
      {
        g_string_append_printf (st->log, "epoch,%" G_GINT64_FORMAT ",%d",
                                p->step, p->epoch + 1);
        append_csv_double (st->log, train_loss);
        g_string_append (st->log, ",,");
        append_csv_double (st->log, p->lr);
        append_csv_double (st->log, p->val_loss);
        append_csv_double (st->log, st->test_psnr_db);
        append_csv_double (st->log, p->samples_per_s);
        g_string_append_c (st->log, '\n');
      }

    if (st->json)
      {
        CliJson json;

        cli_json_begin (&json);
        cli_json_add_string (&json, "type", "epoch");
        cli_json_add_int (&json, "epoch", p->epoch + 1);
        cli_json_add_int (&json, "epochs", st->target_epochs);
        cli_json_add_int (&json, "step", p->step);
        cli_json_add_double (&json, "train_loss", train_loss);
        cli_json_add_double (&json, "val_loss", p->val_loss);
        cli_json_add_double (&json, "test_psnr_db", st->test_psnr_db);
        cli_json_add_double (&json, "lr", p->lr);
        cli_json_add_double (&json, "samples_per_s", p->samples_per_s);
        cli_json_add_double (&json, "seconds", elapsed);
        cli_json_print (&json);
      }
    else
      {
        printf (_("epoch %d/%d  train loss %.5f  val loss %.5f  test PSNR %.2f dB  %.0f samples/s\n"),
                p->epoch + 1, st->target_epochs, train_loss, p->val_loss,
                st->test_psnr_db, p->samples_per_s);
        fflush (stdout);
      }
  }
}

static gboolean
save_sample_grid (const char   *path,
                  NnModel      *model,
                  NnInference  *inference,
                  BtlDataset   *test,
                  GError      **error)
{
  int dim = btl_dataset_dim (test);
  int idx[GRID_IMAGES];
  int n = btl_dataset_pick_showcase (test, GRID_IMAGES, idx);
  g_autofree float *top = g_new (float, (gsize) GRID_IMAGES * dim);
  g_autofree float *bottom = g_new (float, (gsize) GRID_IMAGES * dim);
  NnError nerr = { 0 };

  for (int i = 0; i < n; i++)
    memcpy (top + (size_t) i * dim, btl_dataset_image (test, idx[i]),
            sizeof (float) * dim);
  if (nn_inference_reconstruct (inference, nn_model_params (model),
                                nn_model_stats (model), top, n, bottom,
                                &nerr) != NN_OK)
    return btl_error_from_nn (nerr.code, &nerr, error);

  /* One row of originals, their reconstructions right below. */
  return btl_image_grid_save_png (path, top, bottom, n, test->channels,
                                  test->height, test->width, n, GRID_SCALE,
                                  error);
}

static gboolean
write_log (const char  *path,
           GString     *log,
           GError     **error)
{
  return g_file_set_contents (path, log->str, log->len, error);
}

static void
print_summary (TrainState          *st,
               const BtlEvalResult *res,
               const BtlModelInfo  *info,
               const char          *out,
               const char          *project,
               const char          *continued,
               const char          *samples,
               const char          *log_path)
{
  if (st->json)
    {
      CliJson json;

      cli_json_begin (&json);
      cli_json_add_string (&json, "type", "summary");
      cli_json_add_int (&json, "epochs", info->epochs_trained);
      cli_json_add_int (&json, "best_epoch",
                        info->best_epoch >= 0 ? info->best_epoch + 1 : -1);
      cli_json_add_int (&json, "steps", st->last_step);
      cli_json_add_int (&json, "steps_run", st->steps_run);
      cli_json_add_double (&json, "train_loss", info->train_loss);
      cli_json_add_double (&json, "val_loss", info->val_loss);
      cli_json_add_double (&json, "test_mse", res->mse);
      cli_json_add_double (&json, "test_psnr_db", res->psnr_db);
      cli_json_add_double (&json, "test_ssim", res->ssim);
      cli_json_add_int (&json, "test_images", res->n);
      cli_json_add_int (&json, "val_images", st->val_images);
      cli_json_add_double (&json, "samples_per_s", info->samples_per_s);
      cli_json_add_double (&json, "seconds", info->train_seconds);
      cli_json_add_int (&json, "params", nn_model_n_params (st->model));
      cli_json_add_string (&json, "arch", st->cfg->arch);
      cli_json_add_int (&json, "seed", (gint64) st->cfg->seed);
      cli_json_add_double (&json, "peak_rss_mb", cli_peak_rss_mb ());
      cli_json_add_string (&json, "out", out);
      cli_json_add_string (&json, "project", project);
      cli_json_add_string (&json, "continued_from", continued);
      cli_json_add_string (&json, "samples", samples);
      cli_json_add_string (&json, "log", log_path);
      cli_json_print (&json);
      return;
    }

  printf (_("test: MSE %.6f  PSNR %.2f dB  SSIM %.4f  (%d images)\n"),
          res->mse, res->psnr_db, res->ssim, res->n);
  printf (ngettext ("trained %d epoch in %.1f s, %.0f samples/s, peak RSS %.0f MB\n",
                    "trained %d epochs in %.1f s, %.0f samples/s, peak RSS %.0f MB\n",
                    info->epochs_trained),
          info->epochs_trained, info->train_seconds, info->samples_per_s,
          cli_peak_rss_mb ());
  if (out != NULL)
    printf (_("model saved to %s\n"), out);
  if (project != NULL)
    printf (_("project (model, loss history, trainer state) saved to %s\n"), project);
  if (samples != NULL)
    printf (_("sample grid (originals above reconstructions) saved to %s\n"),
            samples);
  if (log_path != NULL)
    printf (_("loss log saved to %s\n"), log_path);
  fflush (stdout);
}

/* "val_split" → "--val-split", for messages. */
static char *
key_to_option (const char *key)
{
  char *option = g_strconcat ("--", key, NULL);

  g_strdelimit (option, "_", '-');
  return option;
}

/* --continue takes the configuration and the data's cut from the project:
 * anything that would change them is a usage error. */
static gboolean
check_continue_flags (int           limit,
                      int           tile,
                      int           channels,
                      GError      **error)
{
  static const char * const allowed[] = { "epochs", "threads", NULL };
  const char *key = cli_config_key_given (allowed);
  const char *flag = limit != G_MININT ? "--limit"
                     : tile != 0 ? "--tile"
                     : channels != 0 ? "--channels" : NULL;

  if (flag != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s cannot be used with --continue: the project's data set is "
                     "cut as it was in its run"), flag);
      return FALSE;
    }
  if (key != NULL)
    {
      g_autofree char *option = key_to_option (key);

      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s cannot be used with --continue: the project fixes the "
                     "configuration (only --epochs and --threads may be given)"), option);
      return FALSE;
    }
  return TRUE;
}

int
cli_train (int    argc,
           char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *out = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *samples = NULL;
  g_autofree char *project_path = NULL;
  g_autofree char *continue_path = NULL;
  int limit = G_MININT;   /* not given */
  int tile = 0;
  int channels = 0;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_STRING, &data,
      N_("fashion-mnist (default), a folder of MNIST-format IDX files, or a folder of pictures"), N_("DATA") },
    { "tile", 0, 0, G_OPTION_ARG_INT, &tile,
      N_("Folder of pictures: train on random N×N tiles (default 32)"), N_("N") },
    { "channels", 0, 0, G_OPTION_ARG_INT, &channels,
      N_("Folder of pictures: 1 (gray) or 3 (RGB); default: by the pictures"), N_("C") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit,
      N_("Train on the first N training images only"), N_("N") },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out,
      N_("Save the trained model to FILE (.btl)"), N_("FILE") },
    { "project", 0, 0, G_OPTION_ARG_FILENAME, &project_path,
      N_("Save the run as a project FILE (.btlproj): model, loss history and trainer state, for --continue"), N_("FILE") },
    { "continue", 0, 0, G_OPTION_ARG_FILENAME, &continue_path,
      N_("Continue the run of project FILE (.btlproj) exactly where it stopped, for --epochs more epochs; its data set and configuration are used"), N_("FILE") },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_path,
      N_("Write per-step and per-epoch losses to FILE as CSV"), N_("FILE") },
    { "samples", 0, 0, G_OPTION_ARG_FILENAME, &samples,
      N_("Save 16 test images above their reconstructions as a PNG"), N_("FILE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print one JSON object per epoch and a summary object"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) train = NULL;
  g_autoptr(BtlDataset) test = NULL;
  g_autoptr(BtlDataset) val = NULL;
  g_autoptr(GBytes) history_bytes = NULL;
  g_autoptr(BtlProject) project = NULL;   /* the --continue one, or the one to write */
  g_autofree char *dataset_spec = NULL;
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  BtlEvalResult res = { 0 };
  TrainState st = { 0 };
  CliTrainData td = { 0 };
  NnConfig cfg;
  NnConfig run_config;
  NnError nerr = { 0 };
  NnModel *model = NULL;
  NnStatus status;
  struct sigaction sa = { 0 }, old_sa;
  double train_seconds;
  double seconds_before = 0.0;   /* training time of the run being continued */
  int rc = CLI_EXIT_RUNTIME;

  nn_config_init_default (&cfg);
  context = cli_option_context_new ("train", NULL,
                                    _("Train an autoencoder on Fashion-MNIST (or "
                                      "MNIST-format IDX files, or a folder of pictures) "
                                      "and save it, or continue a project's run "
                                      "(--continue). Any other "
                                      "configuration key of the engine (--kind, --noise, "
                                      "--sparsity, --beta, --weight-decay, --schedule, "
                                      "--momentum, --batch-norm, …) is accepted as "
                                      "--key VALUE."),
                                    entries, &cfg, train_keys);
  if (!cli_parse (context, &cfg, &argc, &argv, NULL, &error))
    return cli_usage_fail ("train", error->message);
  if (continue_path != NULL && !check_continue_flags (limit, tile, channels, &error))
    return cli_usage_fail ("train", error->message);
  if (limit == G_MININT)
    limit = 0;
  if (limit < 0)
    return cli_usage_fail ("train", _("--limit must be 0 (all) or a positive count"));
  if (tile != 0 && (tile < 4 || tile > 1024))
    return cli_usage_fail ("train", _("--tile must be between 4 and 1024"));
  if (channels != 0 && channels != 1 && channels != 3)
    return cli_usage_fail ("train", _("--channels must be 1 or 3"));
  /* Find unwritable or clashing outputs now, not after an hour of training. */
  {
    const char *outputs[] = { out, project_path, log_path, samples };
    const char *flags[] = { "--out", "--project", "--log", "--samples" };

    for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
      for (guint j = i + 1; j < G_N_ELEMENTS (outputs); j++)
        if (outputs[i] != NULL && outputs[j] != NULL)
          {
            g_autofree char *a = g_canonicalize_filename (outputs[i], NULL);
            g_autofree char *b = g_canonicalize_filename (outputs[j], NULL);

            if (strcmp (a, b) == 0)
              {
                g_autofree char *message =
                  g_strdup_printf (_("%s and %s name the same file"), flags[i], flags[j]);

                return cli_usage_fail ("train", message);
              }
          }
    /* --project may continue in place; the others would destroy the project. */
    for (guint i = 0; continue_path != NULL && i < G_N_ELEMENTS (outputs); i++)
      if (outputs[i] != NULL && outputs[i] != project_path
          && !cli_check_not_input (outputs[i], (const char *[]) { continue_path }, 1, &error))
        return cli_usage_fail ("train", error->message);
    for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
      if (outputs[i] != NULL && !cli_check_writable (outputs[i], &error))
        return cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
  }

  if (continue_path != NULL)
    {
      /* The project's configuration and data; only the epochs and the BLAS
       * threads come from the command line. */
      int more_epochs = cfg.epochs;
      gboolean threads_given = cli_config_key_was_given ("threads");
      int threads = cfg.threads;

      project = cli_train_load_continue (continue_path, &error);
      if (project == NULL)
        return cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
      if (data == NULL && project->dataset_spec == NULL)
        return cli_fail ("train", CLI_EXIT_RUNTIME,
                         _("%s does not say which data set it was trained on: give it with --data"),
                         continue_path);
      cfg = project->config;
      cfg.epochs = more_epochs;
      if (threads_given)
        cfg.threads = threads;
      td.spec = data != NULL ? data : project->dataset_spec;
      td.tile_height = cfg.in_height;
      td.tile_width = cfg.in_width;
      td.channels = cfg.in_channels;
      td.limit = project->train_limit;
      if (isfinite (project->info.train_seconds))
        seconds_before = project->info.train_seconds;
    }
  else
    {
      /* Catch bad values before the data is loaded; the input shape is only
       * known afterwards, so a shape mismatch is judged then. */
      if (nn_config_validate (&cfg, &nerr) != NN_OK && nerr.code != NN_ERR_SHAPE)
        return cli_usage_fail ("train", nerr.message);
      if (data != NULL && !btl_image_folder_detect (data) && (tile != 0 || channels != 0))
        return cli_usage_fail ("train", _("--tile and --channels apply to a folder of pictures"));
      td.spec = data != NULL ? data : "fashion-mnist";
      td.tile_height = td.tile_width = tile;
      td.channels = channels;
      td.limit = limit;
    }
  td.seed = cfg.seed;
  td.val_split = cfg.val_split;
  if (!cli_train_open_data (&td, &train, &val, &test, &error))
    return cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
  dataset_spec = cli_train_dataset_spec (td.spec);

  if (project != NULL)
    {
      if (train->channels != cfg.in_channels || train->height != cfg.in_height
          || train->width != cfg.in_width)
        return cli_fail ("train", CLI_EXIT_RUNTIME,
                         _("the data set's images are %d×%d×%d, the project's model takes %d×%d×%d"),
                         train->channels, train->height, train->width,
                         cfg.in_channels, cfg.in_height, cfg.in_width);
      /* The model as saved, on the threads asked for now. */
      project->config.threads = cfg.threads;
      model = btl_project_dup_model (project, &error);
      if (model == NULL)
        return cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
      run_config = project->has_run_config ? project->run_config : project->config;
    }
  else
    {
      if (!cli_config_set_input (&cfg, train, &error))
        {
          /* The default architecture is Fashion-MNIST's: say what fits. */
          if (!cli_config_key_was_given ("arch"))
            {
              g_autofree char *hint =
                g_strdup_printf (_("%s; give an --arch for %d×%d×%d images, e.g. --arch %d-64-16"),
                                 error->message, train->channels, train->height, train->width,
                                 btl_dataset_dim (train));

              return cli_usage_fail ("train", hint);
            }
          return cli_usage_fail ("train", error->message);
        }
      model = nn_model_new (&cfg, &nerr);
      if (model == NULL)
        return cli_fail ("train", CLI_EXIT_RUNTIME, "%s", nerr.message);
      nn_model_init_params (model, cfg.seed);
      run_config = cfg;
    }
  nn_set_threads (cfg.threads);
  /* Summation order depends on the BLAS threads: say when they differ. */
  if (project != NULL && project->threads > 0 && nn_blas_get_threads () > 0
      && nn_blas_get_threads () != project->threads)
    {
      g_autofree char *note =
        g_strdup_printf (ngettext ("note: the run used %d BLAS thread, this one uses %d: the "
                                   "losses may differ from those of one longer run",
                                   "note: the run used %d BLAS threads, this one uses %d: the "
                                   "losses may differ from those of one longer run",
                                   project->threads),
                         project->threads, nn_blas_get_threads ());

      fprintf (stderr, "bottleneck-cli train: %s\n", note);
    }

  st.model = model;
  st.cfg = nn_model_get_config (model);
  st.test = test;
  st.json = json;
  st.best_epoch = -1;
  st.train_loss = st.val_loss = st.test_psnr_db = NAN;
  st.history = project != NULL ? g_object_ref (project->history) : btl_loss_history_new ();
  st.recon = g_try_new (float, (gsize) EVAL_CHUNK * btl_dataset_dim (test));
  st.inference = nn_inference_new (model, EVAL_CHUNK, &nerr);
  if (st.recon == NULL || st.inference == NULL)
    {
      cli_fail ("train", CLI_EXIT_RUNTIME, "%s",
                st.inference == NULL ? nerr.message : _("out of memory"));
      goto out;
    }
  if (log_path != NULL)
    st.log = g_string_new ("kind,step,epoch,train_loss,recon_loss,reg_loss,lr,"
                           "val_loss,test_psnr_db,samples_per_s\n");

  /* As the trainer splits and batches (nn_trainer_new): a set smaller than
   * one batch trains on all of it, in one smaller step. */
  st.val_images = val != NULL ? val->n : (int) ((double) train->n * cfg.val_split);
  st.batch = MIN (cfg.batch, val != NULL ? train->n : train->n - st.val_images);
  if (val != NULL)
    st.trainer = nn_trainer_new_with_validation (model, train->images, train->n,
                                                 val->images, val->n, &nerr);
  else
    st.trainer = nn_trainer_new (model, train->images, train->n, &nerr);
  if (st.trainer == NULL)
    {
      cli_fail ("train", CLI_EXIT_RUNTIME, "%s", nerr.message);
      goto out;
    }
  st.target_epochs = cfg.epochs;

  if (project != NULL)
    {
      gsize size;
      const void *state = g_bytes_get_data (project->trainer_state, &size);
      NnTrainerStateInfo si;

      if (nn_trainer_import_state (st.trainer, state, size, &nerr) != NN_OK)
        {
          cli_fail ("train", CLI_EXIT_RUNTIME,
                    _("the trainer state of %s does not fit the data set %s (%s): "
                      "continue on the same data set and training-image limit"),
                    continue_path, td.spec, nerr.message);
          goto out;
        }
      nn_trainer_state_inspect (state, size, &si, NULL);
      /* What a continued run cannot repeat of one longer run (README). */
      if (cfg.schedule == NN_SCHEDULE_COSINE)
        fprintf (stderr, "bottleneck-cli train: %s\n",
                 _("note: the cosine schedule anneals over the epochs of each run, so this "
                   "continued run differs from one longer run"));
      if (cfg.patience > 0)
        fprintf (stderr, "bottleneck-cli train: %s\n",
                 _("note: early stopping counts its patience from the start of this run"));
      /* --epochs more, an epoch in progress counting as the first. */
      nn_trainer_set_extra_epochs (st.trainer, cfg.epochs);
      st.target_epochs = si.epoch + cfg.epochs;
      st.best_epoch = si.best_epoch;
      st.last_step = si.step;
      st.epochs_done = si.epoch;
      st.train_loss = project->info.train_loss;
      st.val_loss = project->info.val_loss;
    }

  if (!json)
    {
      g_autofree char *desc = NULL;
      size_t len = nn_model_describe (model, NULL, 0);

      desc = g_malloc (len + 1);
      nn_model_describe (model, desc, len + 1);
      if (project != NULL)
        printf (ngettext ("continuing %s after step %lld (%d epoch done) to the end of epoch %d\n",
                          "continuing %s after step %lld (%d epochs done) to the end of epoch %d\n",
                          st.epochs_done),
                continue_path, (long long) st.last_step, st.epochs_done, st.target_epochs);
      if (val != NULL)
        printf (_("training %s on %s: %d tiles (validation: %d tiles of held-out "
                  "pictures), %zu parameters\n"),
                st.cfg->arch, train->name, train->n, val->n, nn_model_n_params (model));
      else
        printf (_("training %s on %s: %d images (%d held out for validation), "
                  "%zu parameters\n"),
                st.cfg->arch, train->name, train->n, st.val_images, nn_model_n_params (model));
      fputs (desc, stdout);
      if (len > 0 && desc[len - 1] != '\n')
        fputc ('\n', stdout);
      fflush (stdout);
    }

  /* First Ctrl+C cancels cleanly; SA_RESETHAND lets a second one kill us. */
  sa.sa_handler = on_sigint;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, &old_sa);

  st.start = cli_now ();
  status = nn_trainer_run (st.trainer, on_progress, &st, &nerr);
  train_seconds = cli_now () - st.start;
  sigaction (SIGINT, &old_sa, NULL);

  if (status != NN_OK && status != NN_ERR_CANCELLED)
    {
      /* The log still helps to see where it went wrong. */
      if (st.log != NULL)
        write_log (log_path, st.log, NULL);
      cli_fail ("train", CLI_EXIT_RUNTIME, "%s", nerr.message);
      goto out;
    }
  if (st.eval_failed)
    {
      cli_fail ("train", CLI_EXIT_RUNTIME, _("could not evaluate the test set"));
      goto out;
    }

  info.epochs_trained = nn_trainer_epochs_done (st.trainer);
  info.best_epoch = st.best_epoch;
  info.train_loss = st.train_loss;
  info.val_loss = st.val_loss;
  info.created = g_get_real_time () / G_USEC_PER_SEC;
  info.train_seconds = seconds_before + train_seconds;
  /* Throughput of training proper: the per-epoch test evaluation is excluded. */
  if (train_seconds - st.eval_seconds > 0 && st.steps_run > 0)
    info.samples_per_s = (double) st.steps_run * st.batch
                         / (train_seconds - st.eval_seconds);
  if (project == NULL && project_path != NULL)
    project = btl_project_new ();

  if (status == NN_ERR_CANCELLED)
    {
      /* The project first, with the weights of the step the state is at:
       * --continue goes on from there. */
      if (project_path != NULL
          && !cli_train_save_project (project, project_path, model, st.trainer, st.history,
                                      &info, &run_config, dataset_spec, train->name,
                                      td.limit, &error))
        {
          cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
          goto out;
        }
      if (st.best_epoch >= 0)
        nn_trainer_restore_best (st.trainer);
      if (out != NULL)
        {
          history_bytes = btl_loss_history_to_bytes (st.history);
          if (!btl_model_file_save (out, model, history_bytes, &info, &error))
            {
              cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
              goto out;
            }
        }
      if (st.log != NULL)
        write_log (log_path, st.log, NULL);
      if (json)
        {
          /* What a script needs to go on: where it stopped, what was saved. */
          CliJson j;

          cli_json_begin (&j);
          cli_json_add_string (&j, "type", "interrupted");
          cli_json_add_int (&j, "step", st.last_step);
          cli_json_add_int (&j, "epochs", info.epochs_trained);
          cli_json_add_int (&j, "best_epoch", st.best_epoch >= 0 ? st.best_epoch + 1 : -1);
          cli_json_add_string (&j, "out", out);
          cli_json_add_string (&j, "project", project_path);
          cli_json_add_string (&j, "continued_from", continue_path);
          cli_json_add_string (&j, "log", log_path);
          cli_json_print (&j);
        }
      fflush (stdout);
      if (project_path != NULL)
        fprintf (stderr, _("bottleneck-cli train: interrupted at step %lld; the project %s "
                           "continues from there (--continue)\n"),
                 (long long) st.last_step, project_path);
      if (out == NULL)
        fprintf (stderr, ngettext ("bottleneck-cli train: interrupted after %d epoch; no model saved (no --out)\n",
                                   "bottleneck-cli train: interrupted after %d epochs; no model saved (no --out)\n",
                                   info.epochs_trained),
                 info.epochs_trained);
      else if (st.best_epoch >= 0)
        fprintf (stderr, _("bottleneck-cli train: interrupted; saved the best model so far (epoch %d) to %s\n"),
                 st.best_epoch + 1, out);
      else
        fprintf (stderr, _("bottleneck-cli train: interrupted before the first epoch ended; saved the current weights to %s\n"),
                 out);
      rc = CLI_EXIT_INTERRUPTED;
      goto out;
    }

  if (!btl_evaluate (model, NULL, NULL, test, 0, &res, &error))
    {
      cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
      goto out;
    }
  info.test_mse = res.mse;
  info.test_psnr_db = res.psnr_db;
  info.test_ssim = res.ssim;
  /* The codec's ranges and the latent sliders' (same rule as the app). */
  {
    g_autoptr(GError) stats_error = NULL;

    if (!btl_latent_stats_compute (model, NULL, NULL, train, BTL_LATENT_STATS_MAX, NULL,
                                   &info, &stats_error))
      g_printerr (_("bottleneck-cli train: no latent statistics stored: %s\n"),
                  stats_error->message);
  }

  if (out != NULL)
    {
      history_bytes = btl_loss_history_to_bytes (st.history);
      if (!btl_model_file_save (out, model, history_bytes, &info, &error))
        {
          cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
          goto out;
        }
    }
  if (project_path != NULL
      && !cli_train_save_project (project, project_path, model, st.trainer, st.history,
                                  &info, &run_config, dataset_spec, train->name,
                                  td.limit, &error))
    {
      cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
      goto out;
    }
  if (samples != NULL
      && !save_sample_grid (samples, model, st.inference, test, &error))
    {
      cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
      goto out;
    }
  if (st.log != NULL && !write_log (log_path, st.log, &error))
    {
      cli_fail ("train", CLI_EXIT_RUNTIME, "%s", error->message);
      goto out;
    }

  print_summary (&st, &res, &info, out, project_path, continue_path, samples, log_path);
  rc = CLI_EXIT_OK;

out:
  if (st.trainer != NULL)
    nn_trainer_free (st.trainer);
  if (st.inference != NULL)
    nn_inference_free (st.inference);
  if (st.log != NULL)
    g_string_free (st.log, TRUE);
  g_clear_object (&st.history);
  g_free (st.recon);
  nn_model_free (model);
  return rc;
}
