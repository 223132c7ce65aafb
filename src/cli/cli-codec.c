/* cli-codec.c — shared by the compression subcommands. See cli-codec.h. */
#include "config.h"

#include "cli-codec.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"

#include "btl-dataset.h"
#include "btl-error.h"

gboolean
cli_codec_open (const char     *model_path,
                CliCodecModel  *cm,
                GError        **error)
{
  memset (cm, 0, sizeof *cm);
  btl_model_info_init (&cm->info);
  cm->model = cli_model_load (model_path, &cm->info, error);
  if (cm->model == NULL)
    return FALSE;
  cm->codec = btl_codec_new_for_model (cm->model, nn_model_params (cm->model),
                                       nn_model_stats (cm->model), &cm->info, error);
  if (cm->codec == NULL)
    {
      cli_codec_close (cm);
      return FALSE;
    }
  return TRUE;
}

void
cli_codec_close (CliCodecModel *cm)
{
  g_clear_pointer (&cm->codec, btl_codec_free);
  g_clear_pointer (&cm->model, nn_model_free);
  btl_model_info_clear (&cm->info);
}

gboolean
cli_codec_check_options (const char    *mode_text,
                         int            bits,
                         BtlCodecMode  *mode,
                         char         **message)
{
  *mode = BTL_CODEC_MODE_TILES;
  if (mode_text != NULL && !btl_codec_mode_from_string (mode_text, mode))
    {
      *message = g_strdup_printf (_("--mode must be “fit” or “tiles”, not “%s”"),
                                  mode_text);
      return FALSE;
    }
  if (bits < BTL_CODEC_MIN_BITS || bits > BTL_CODEC_MAX_BITS)
    {
      *message = g_strdup_printf (_("--bits must be between %d and %d"),
                                  BTL_CODEC_MIN_BITS, BTL_CODEC_MAX_BITS);
      return FALSE;
    }
  return TRUE;
}

void
cli_codec_note_ranges (const char     *command,
                       CliCodecModel  *cm)
{
  if (btl_codec_get_range_source (cm->codec) != BTL_CODEC_RANGES_MODEL)
    fprintf (stderr, "bottleneck-cli %s: %s\n", command,
             _("note: the model has no latent statistics; each picture is "
               "quantised with the range of its own codes"));
}

BtlPcaBaseline *
cli_codec_pca_baseline (CliCodecModel  *cm,
                        const char     *data,
                        int             max_components,
                        char          **note)
{
  const NnConfig *cfg = nn_model_get_config (cm->model);
  g_autoptr (BtlDataset) train = NULL;
  g_autoptr (BtlDataset) test = NULL;
  g_autoptr (GError) error = NULL;
  BtlPcaBaseline *baseline;
  const char *spec = data;

  if (spec == NULL)
    spec = cfg->dataset[0] != '\0' ? cfg->dataset : "fashion-mnist";
  if (!cli_dataset_open_for_model (spec, cfg, &train, &test, &error))
    {
      *note = g_strdup_printf (_("no PCA baseline: %s"), error->message);
      return NULL;
    }
  if (train == NULL || train->channels != cfg->in_channels
      || train->height != cfg->in_height || train->width != cfg->in_width)
    {
      *note = g_strdup_printf (_("no PCA baseline: the images of “%s” do not have "
                                 "the model’s input shape"), spec);
      return NULL;
    }
  baseline = btl_pca_baseline_new_from_dataset (train, 2000, max_components, &error);
  if (baseline == NULL)
    *note = g_strdup_printf (_("no PCA baseline: %s"), error->message);
  return baseline;
}

/* ------------------------------------------------------------ progress */

void
cli_codec_progress_init (CliCodecProgress *progress,
                         const char       *command,
                         gboolean          json)
{
  memset (progress, 0, sizeof *progress);
  progress->command = command;
  progress->on = !json && isatty (STDERR_FILENO);
  progress->start_us = g_get_monotonic_time ();
}

static char *
setting_text (const char *series,
              int         setting)
{
  if (setting < 0)
    return g_strdup (_("searching for the size"));
  if (g_str_equal (series, "autoencoder"))
    return g_strdup_printf (ngettext ("%d bit", "%d bits", setting), setting);
  if (g_str_equal (series, "pca"))
    return g_strdup_printf (ngettext ("%d coefficient", "%d coefficients", setting), setting);
  return g_strdup_printf (_("quality %d"), setting);
}

void
cli_codec_progress (int         done,
                    int         total,
                    const char *series,
                    int         setting,
                    gpointer    user_data)
{
  CliCodecProgress *progress = user_data;
  g_autofree char *what = NULL;
  g_autofree char *line = NULL;
  gint64 now = g_get_monotonic_time ();
  int width;

  /* Small pictures run hundreds of steps a second: at most ten lines. */
  if (!progress->on || series == NULL
      || (done > 0 && now - progress->last_us < G_USEC_PER_SEC / 10))
    return;
  progress->last_us = now;
  what = setting_text (series, setting);
  /* Translators: progress of rd/compare on the terminal, e.g.
   * "photo.jpg: 12 of 38, jpeg quality 40 (0:21)" */
  line = g_strdup_printf (_("%s: %d of %d, %s %s (%d:%02d)"),
                          progress->image != NULL ? progress->image : progress->command,
                          done, total, series, what,
                          (int) ((now - progress->start_us) / G_USEC_PER_SEC / 60),
                          (int) ((now - progress->start_us) / G_USEC_PER_SEC % 60));
  width = (int) g_utf8_strlen (line, -1);
  fprintf (stderr, "\r%s%*s", line, MAX (progress->width - width, 0), "");
  fflush (stderr);
  progress->width = width;
}

void
cli_codec_progress_clear (CliCodecProgress *progress)
{
  if (!progress->on || progress->width == 0)
    return;
  fprintf (stderr, "\r%*s\r", progress->width, "");
  fflush (stderr);
  progress->width = 0;
}

/* ------------------------------------------------------------ Ctrl+C */

/* The handler may only set a flag; a watcher thread turns it into a
 * cancellation (g_cancellable_cancel is not async-signal-safe). */
static volatile sig_atomic_t interrupted = 0;
static struct sigaction old_sigint;
static GThread *watcher;
static gint watcher_stop;

static void
on_sigint (int signum)
{
  interrupted = 1;
}

static gpointer
watch_interrupt (gpointer data)
{
  GCancellable *cancellable = data;

  while (!g_atomic_int_get (&watcher_stop))
    {
      if (interrupted)
        {
          g_cancellable_cancel (cancellable);
          break;
        }
      g_usleep (G_USEC_PER_SEC / 20);
    }
  return NULL;
}

GCancellable *
cli_codec_interrupt_begin (void)
{
  GCancellable *cancellable = g_cancellable_new ();
  struct sigaction sa = { 0 };

  interrupted = 0;
  g_atomic_int_set (&watcher_stop, 0);
  sa.sa_handler = on_sigint;
  sigemptyset (&sa.sa_mask);
  /* SA_RESETHAND: a second Ctrl+C kills the process the ordinary way. */
  sa.sa_flags = SA_RESETHAND;
  sigaction (SIGINT, &sa, &old_sigint);
  watcher = g_thread_new ("sigint", watch_interrupt, cancellable);
  return cancellable;
}

void
cli_codec_interrupt_end (GCancellable *cancellable)
{
  g_atomic_int_set (&watcher_stop, 1);
  g_clear_pointer (&watcher, g_thread_join);
  sigaction (SIGINT, &old_sigint, NULL);
  g_object_unref (cancellable);
}
