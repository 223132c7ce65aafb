/* btl-automation.c — scripted runs of the real window.
 *
 * --train            start training as soon as the data set is loaded
 * --screenshot FILE  after the data set (and --screenshot-delay seconds of
 *                    training, if --train) render the window into FILE, quit
 * --bench-frames S   train at full speed for S seconds while the window is
 *                    redrawn every frame (as while a person drags or resizes
 *                    it); record the frame clock's "after-paint" times and
 *                    print frame-interval percentiles, then quit
 * --bench-idle       with --bench-frames: the same without training, to
 *                    tell the machine's (and the renderer's) share from ours
 *
 * With --bench-frames, BTL_BENCH_TRACE=FILE writes one line per frame (time,
 * interval, paint, main-thread CPU in and between paints, and what arrived
 * since the last frame) to tell which work makes a frame late.
 *
 * Screenshots of the other pages (metainfo, README) are asked for with two
 * environment variables read only together with --screenshot:
 * BTL_SCREENSHOT_PAGE=latent|compress|inspect shows that page, and
 * BTL_SCREENSHOT_OPEN=FILE opens a picture on the Compress page; the shot
 * then waits (after --screenshot-delay) until that page has its results.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btl-automation.h"
#include "btl-compress-page.h"
#include "btl-inspect-page.h"
#include "btl-latent-page.h"
#include "btl-loss-plot.h"

#define FALLBACK_TIMEOUT_S 20
/* How long a shot of another page waits for that page's results. */
#define PAGE_READY_TIMEOUT_US (120 * G_USEC_PER_SEC)

/* A benchmark presses Train this long after the data set is shown. */
#define BENCH_PRESS_DELAY_MS 1000

struct _BtlAutomation
{
  /* options */
  gboolean    train;
  char       *screenshot_path;
  double      screenshot_delay_s;
  double      bench_seconds;
  gboolean    bench_idle;
  char       *page;            /* BTL_SCREENSHOT_PAGE, or NULL */
  char       *open_path;       /* BTL_SCREENSHOT_OPEN, or NULL */

  /* borrowed; weak pointer */
  BtlWindow  *window;

  /* state */
  GArray     *paint_times_us;   /* gint64 */
  GArray     *paint_costs_us;   /* gint64: before-paint → after-paint */
  GArray     *paint_cpu_us;     /* gint64: main-thread CPU time of the same */
  gint64      before_paint_us;
  gint64      before_paint_cpu_us;
  gint64      bench_start_cpu_us;
  gint64      last_paint_us;    /* the last frame's after-paint, recorded or not */
  gboolean    press_recorded;   /* the frame before Train was pressed is the first */
  GString    *trace;           /* BTL_BENCH_TRACE lines, or NULL */
  gint64      last_after_cpu_us;
  guint       last_counts[4];  /* deliveries, grid refreshes, plot pictures, strips */
  gulong      before_paint_id;
  guint       tick_id;
  gulong      after_paint_id;
  guint       timeout_id;
  guint       fallback_id;
  guint       press_id;
  gboolean    want_shot;
  gint64      created_us;      /* close to process start: options are parsed first */
  gint64      shot_due_us;     /* when the delay ran out */
  gboolean    first_frame_seen;
  gboolean    done;
};

BtlAutomation *
btl_automation_new (gboolean    train,
                    const char *screenshot_path,
                    double      screenshot_delay_s,
                    double      bench_seconds,
                    gboolean    bench_idle)
{
  BtlAutomation *self = g_new0 (BtlAutomation, 1);

  self->bench_idle = bench_idle && bench_seconds > 0;
  self->train = train || (bench_seconds > 0 && !self->bench_idle);
  self->screenshot_path = g_strdup (screenshot_path);
  self->screenshot_delay_s = MAX (screenshot_delay_s, 0);
  self->bench_seconds = bench_seconds;
  /* The window while training with another page on screen. */
  if (bench_seconds > 0 && g_getenv ("BTL_BENCH_PAGE") != NULL && *g_getenv ("BTL_BENCH_PAGE") != '\0')
    self->page = g_strdup (g_getenv ("BTL_BENCH_PAGE"));
  if (screenshot_path != NULL)
    {
      self->page = g_strdup (g_getenv ("BTL_SCREENSHOT_PAGE"));
      self->open_path = g_strdup (g_getenv ("BTL_SCREENSHOT_OPEN"));
    }
  self->paint_times_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->paint_costs_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->paint_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (bench_seconds > 0 && g_getenv ("BTL_BENCH_TRACE") != NULL)
    self->trace = g_string_new ("# t_ms interval_ms paint_ms paint_cpu_ms between_cpu_ms "
                                "deliveries grid_refreshes plot_pictures monotonic_us plot_strips\n");
  self->created_us = g_get_monotonic_time ();
  return self;
}

void
btl_automation_free (BtlAutomation *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_handle_id (&self->press_id, g_source_remove);
  g_clear_handle_id (&self->fallback_id, g_source_remove);
  if (self->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  g_array_unref (self->paint_times_us);
  g_array_unref (self->paint_costs_us);
  g_array_unref (self->paint_cpu_us);
  if (self->trace != NULL)
    g_string_free (self->trace, TRUE);
  g_free (self->screenshot_path);
  g_free (self->page);
  g_free (self->open_path);
  g_free (self);
}

gboolean
btl_widget_save_png (GtkWidget   *widget,
                     const char  *path,
                     GError     **error)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  graphene_rect_t bounds;

  if (width <= 0 || height <= 0 || gtk_widget_get_native (widget) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", _("The window is not shown"));
      return FALSE;
    }

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", _("Nothing was drawn"));
      return FALSE;
    }

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  graphene_rect_init (&bounds, 0, 0, width, height);
  texture = gsk_renderer_render_texture (renderer, node, &bounds);
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”"), path);
      return FALSE;
    }
  return TRUE;
}

static void
quit (BtlAutomation *self)
{
  GApplication *app = g_application_get_default ();

  self->done = TRUE;
  if (app != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

/* The main thread's own CPU time: tells its work from its waiting (for
 * the CPU or for the X server) in a paint that took long. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (const double *sorted,
            guint         n,
            double        p)
{
  guint i = (guint) (p / 100.0 * (n - 1) + 0.5);

  return sorted[MIN (i, n - 1)];
}

static void
print_bench (BtlAutomation *self)
{
  BtlTrainPage *page = btl_window_get_train_page (self->window);
  BtlTrainingWorker *worker = btl_train_page_get_worker (page);
  BtlLossHistory *history = btl_train_page_get_history (page);
  guint n = self->paint_times_us->len;
  g_autofree double *d = NULL;
  double grid_mean, grid_max, decode_mean, decode_max;
  guint over20 = 0, first, n_d;

  if (n < 3)
    {
      g_printerr ("bottleneck: only %u frames were painted\n", n);
      return;
    }

  /* The first interval is the frame that took the press of Train (from the
   * settled window's frame before it); without a press (--bench-idle) the
   * first one includes start-up and is skipped. */
  first = self->press_recorded ? 1 : 2;
  n_d = n - first;
  d = g_new (double, n_d);
  for (guint i = first; i < n; i++)
    {
      d[i - first] = (g_array_index (self->paint_times_us, gint64, i) -
                      g_array_index (self->paint_times_us, gint64, i - 1)) / 1000.0;
      over20 += d[i - first] > 20.0;
    }
  qsort (d, n_d, sizeof (double), compare_doubles);

  {
    guint m = self->paint_costs_us->len;
    g_autofree double *c = g_new (double, m);

    for (guint i = 0; i < m; i++)
      c[i] = g_array_index (self->paint_costs_us, gint64, i) / 1000.0;
    qsort (c, m, sizeof (double), compare_doubles);
    g_print ("main-thread paint (before-paint → after-paint) ms: p50 %.2f  p99 %.2f  max %.2f\n",
             percentile (c, m, 50), percentile (c, m, 99), c[m - 1]);
    for (guint i = 0; i < m; i++)
      c[i] = g_array_index (self->paint_cpu_us, gint64, i) / 1000.0;
    qsort (c, m, sizeof (double), compare_doubles);
    g_print ("  of which main-thread CPU ms: p50 %.2f  p99 %.2f  max %.2f; "
             "main thread busy %.0f %% of the run\n",
             percentile (c, m, 50), percentile (c, m, 99), c[m - 1],
             100.0 * (thread_cpu_us () - self->bench_start_cpu_us) /
             MAX (1, g_get_monotonic_time () - g_array_index (self->paint_times_us, gint64, 0)));
  }
  btl_train_page_get_grid_timing (page, &grid_mean, &grid_max);
  btl_train_page_get_decode_timing (page, &decode_mean, &decode_max);
  g_print ("frames %u over %.1f s %s\n", n - 1, self->bench_seconds,
           self->bench_idle ? "with training idle" : "while training");
  g_print ("frame interval ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  (>20 ms: %u)\n",
           percentile (d, n_d, 50), percentile (d, n_d, 90),
           percentile (d, n_d, 99), d[n_d - 1], over20);
  /* Without the first second: the trainer starting, the first pictures and
   * reconstructions laid out (a benchmark's warm-up, shown apart). */
  {
    gint64 from = g_array_index (self->paint_times_us, gint64, 0) + G_USEC_PER_SEC;
    g_autofree double *s = g_new (double, n);
    guint m = 0, late = 0;

    for (guint i = first; i < n; i++)
      if (g_array_index (self->paint_times_us, gint64, i - 1) >= from)
        {
          s[m] = (g_array_index (self->paint_times_us, gint64, i) -
                  g_array_index (self->paint_times_us, gint64, i - 1)) / 1000.0;
          late += s[m] > 20.0;
          m++;
        }
    if (m > 0)
      {
        qsort (s, m, sizeof (double), compare_doubles);
        g_print ("  after the first second (%u frames): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  "
                 "(>20 ms: %u)\n",
                 m, percentile (s, m, 50), percentile (s, m, 90), percentile (s, m, 99),
                 s[m - 1], late);
      }
  }
  g_print ("training steps %u, progress deliveries %u\n",
           history ? btl_loss_history_get_n_steps (history) : 0,
           worker ? btl_training_worker_get_n_deliveries (worker) : 0);
  g_print ("grid refreshes %u: decode thread mean %.2f ms, max %.2f ms; "
           "main-thread upload mean %.2f ms, max %.2f ms\n",
           btl_train_page_get_n_grid_refreshes (page), decode_mean / 1000.0, decode_max / 1000.0,
           grid_mean / 1000.0, grid_max / 1000.0);
}

/* One line of BTL_BENCH_TRACE for the frame painted at NOW. */
static void
trace_frame (BtlAutomation *self,
             gint64         now,
             gint64         cost,
             gint64         cpu)
{
  BtlTrainPage *page = btl_window_get_train_page (self->window);
  BtlTrainingWorker *worker = btl_train_page_get_worker (page);
  guint counts[4];
  gint64 last = self->paint_times_us->len > 0
                ? g_array_index (self->paint_times_us, gint64, self->paint_times_us->len - 1) : now;

  counts[0] = worker != NULL ? btl_training_worker_get_n_deliveries (worker) : 0;
  counts[1] = btl_train_page_get_n_grid_refreshes (page);
  counts[2] = btl_loss_plot_get_n_renders (btl_train_page_get_loss_plot (page), &counts[3]);
  g_string_append_printf (self->trace, "%.2f %.2f %.2f %.2f %.2f %u %u %u %" G_GINT64_FORMAT " %u\n",
                          (now - self->created_us) / 1000.0, (now - last) / 1000.0,
                          cost / 1000.0, cpu / 1000.0,
                          self->last_after_cpu_us > 0
                          ? (self->before_paint_cpu_us - self->last_after_cpu_us) / 1000.0 : 0.0,
                          counts[0] - self->last_counts[0], counts[1] - self->last_counts[1],
                          counts[2] - self->last_counts[2], now, counts[3] - self->last_counts[3]);
  memcpy (self->last_counts, counts, sizeof counts);
  self->last_after_cpu_us = thread_cpu_us ();
}

static void
on_before_paint (GdkFrameClock *clock,
                 BtlAutomation *self)
{
  self->before_paint_us = g_get_monotonic_time ();
  self->before_paint_cpu_us = thread_cpu_us ();
}

static void
on_after_paint (GdkFrameClock *clock,
                BtlAutomation *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->done || self->window == NULL)
    return;
  self->last_paint_us = now;

  if (!self->first_frame_seen)
    {
      self->first_frame_seen = TRUE;
      g_print ("first frame painted %.0f ms after start-up\n", (now - self->created_us) / 1000.0);
    }

  if (self->bench_seconds > 0
      && (self->bench_idle
          || btl_train_page_get_state (btl_window_get_train_page (self->window)) != BTL_TRAIN_STATE_IDLE))
    {
      gint64 cost = now - self->before_paint_us;
      gint64 cpu = thread_cpu_us () - self->before_paint_cpu_us;

      if (self->paint_times_us->len == 0)
        self->bench_start_cpu_us = thread_cpu_us ();
      if (self->trace != NULL)
        trace_frame (self, now, cost, cpu);
      g_array_append_val (self->paint_times_us, now);
      g_array_append_val (self->paint_costs_us, cost);
      g_array_append_val (self->paint_cpu_us, cpu);
    }

  if (self->want_shot)
    {
      g_autoptr(GError) error = NULL;

      self->want_shot = FALSE;
      if (!btl_widget_save_png (GTK_WIDGET (self->window), self->screenshot_path, &error))
        g_printerr ("bottleneck: %s\n", error->message);
      else
        g_print ("screenshot saved to %s\n", self->screenshot_path);
      if (self->bench_seconds <= 0)
        quit (self);
    }
}

static gboolean
redraw_every_frame (GtkWidget     *widget,
                    GdkFrameClock *clock,
                    gpointer       user_data)
{
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static gboolean
bench_done_cb (gpointer user_data)
{
  BtlAutomation *self = user_data;

  self->timeout_id = 0;
  if (self->window != NULL)
    print_bench (self);
  if (self->trace != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!g_file_set_contents (g_getenv ("BTL_BENCH_TRACE"), self->trace->str, -1, &error))
        g_printerr ("bottleneck: %s\n", error->message);
    }
  quit (self);
  return G_SOURCE_REMOVE;
}

static GtkWidget *
window_child (BtlAutomation *self,
              const char    *id)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self->window), BTL_TYPE_WINDOW, id));
}

/* TRUE once the page in view has something to show: the latent map is
 * encoded, the test set scored, the comparison and its curves computed. */
static gboolean
page_ready (BtlAutomation *self)
{
  GtkStack *stack = GTK_STACK (window_child (self, "stack"));
  const char *name = gtk_stack_get_visible_child_name (stack);

  if (g_strcmp0 (name, "latent") == 0)
    return btl_latent_page_is_ready (BTL_LATENT_PAGE (window_child (self, "latent_page")));
  if (g_strcmp0 (name, "inspect") == 0)
    return btl_inspect_page_is_ready (BTL_INSPECT_PAGE (window_child (self, "inspect_page")));
  if (g_strcmp0 (name, "compress") == 0)
    {
      BtlCompressPage *page = BTL_COMPRESS_PAGE (window_child (self, "compress_page"));

      return !btl_compress_page_is_busy (page) &&
             (btl_compress_page_get_n_series (page) > 0 || btl_compress_page_get_message (page) != NULL);
    }
  return TRUE;
}

static void
show_page (BtlAutomation *self)
{
  GtkStack *stack = GTK_STACK (window_child (self, "stack"));

  if (self->page != NULL)
    {
      if (gtk_stack_get_child_by_name (stack, self->page) == NULL)
        g_printerr ("bottleneck: no page “%s”\n", self->page);
      else
        gtk_stack_set_visible_child_full (stack, self->page, GTK_STACK_TRANSITION_TYPE_NONE);
    }
  if (self->open_path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (self->open_path);

      btl_compress_page_open_file (BTL_COMPRESS_PAGE (window_child (self, "compress_page")), file);
    }
}

static gboolean
take_shot_cb (gpointer user_data)
{
  BtlAutomation *self = user_data;

  self->timeout_id = 0;
  if (self->shot_due_us == 0)
    self->shot_due_us = g_get_monotonic_time ();
  if (self->window != NULL && (self->page != NULL || self->open_path != NULL) &&
      !page_ready (self) && g_get_monotonic_time () - self->shot_due_us < PAGE_READY_TIMEOUT_US)
    {
      self->timeout_id = g_timeout_add (200, take_shot_cb, self);
      return G_SOURCE_REMOVE;
    }
  self->want_shot = TRUE;
  if (self->window != NULL)
    gtk_widget_queue_draw (GTK_WIDGET (self->window));
  return G_SOURCE_REMOVE;
}

static gboolean
fallback_cb (gpointer user_data)
{
  BtlAutomation *self = user_data;

  /* The data set never loaded: still leave a picture (and an exit). */
  self->fallback_id = 0;
  if (self->screenshot_path != NULL)
    take_shot_cb (self);
  else
    quit (self);
  return G_SOURCE_REMOVE;
}

/* The benchmark presses Train on a settled window and measures from the
 * frame before the press: the press's own frame counts. */
static gboolean
press_train_cb (gpointer user_data)
{
  BtlAutomation *self = user_data;

  self->press_id = 0;
  if (self->window == NULL)
    return G_SOURCE_REMOVE;
  if (self->last_paint_us > 0 && self->paint_times_us->len == 0)
    {
      g_array_append_val (self->paint_times_us, self->last_paint_us);
      self->press_recorded = TRUE;
      self->bench_start_cpu_us = thread_cpu_us ();
    }
  g_action_group_activate_action (G_ACTION_GROUP (self->window), "train", NULL);
  show_page (self);
  self->timeout_id = g_timeout_add ((guint) (self->bench_seconds * 1000), bench_done_cb, self);
  return G_SOURCE_REMOVE;
}

static void
on_dataset_loaded (BtlWindow     *window,
                   BtlAutomation *self)
{
  g_clear_handle_id (&self->fallback_id, g_source_remove);
  g_print ("data set loaded %.0f ms after start-up\n",
           (g_get_monotonic_time () - self->created_us) / 1000.0);

  if (self->bench_seconds > 0)
    {
      self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (window), redraw_every_frame, NULL, NULL);
      if (self->train)
        /* As a person does: on a window that has been on screen a while. */
        self->press_id = g_timeout_add (BENCH_PRESS_DELAY_MS, press_train_cb, self);
      else
        self->timeout_id = g_timeout_add ((guint) (self->bench_seconds * 1000), bench_done_cb, self);
    }
  else
    {
      if (self->train)
        g_action_group_activate_action (G_ACTION_GROUP (window), "train", NULL);
      if (self->screenshot_path != NULL)
        {
          show_page (self);
          self->timeout_id = g_timeout_add ((guint) (self->screenshot_delay_s * 1000), take_shot_cb, self);
        }
    }
}

static void
on_map (GtkWidget     *widget,
        BtlAutomation *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  if (clock != NULL && self->after_paint_id == 0)
    {
      self->before_paint_id = g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), self);
      self->after_paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), self);
    }
}

void
btl_automation_attach (BtlAutomation *self,
                       BtlWindow     *window)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (BTL_IS_WINDOW (window));

  self->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->window);

  g_signal_connect (window, "map", G_CALLBACK (on_map), self);
  g_signal_connect (window, "dataset-loaded", G_CALLBACK (on_dataset_loaded), self);
  if (btl_window_is_dataset_loaded (window))
    on_dataset_loaded (window, self);
  else
    self->fallback_id = g_timeout_add_seconds (FALLBACK_TIMEOUT_S, fallback_cb, self);
}
