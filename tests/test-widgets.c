/* test-widgets.c — the chart widgets, drawn for real under Xvfb.
 *
 * Each widget goes into a window, gets data, is drawn, then rendered
 * in-process (GtkWidgetPaintable + the cairo renderer) so the test can look
 * at its pixels. Exports are checked as files. Set BTL_WIDGETS_SHOTS=DIR to
 * keep the renders as PNGs for a human to look at. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include <gtk/gtk.h>

#include "btl-chart.h"
#include "btl-histogram.h"
#include "btl-dots.h"
#include "btl-frame-budget.h"
#include "btl-progress-line.h"
#include "btl-render-cache.h"
#include "btl-image-grid.h"
#include "btl-loss-history.h"
#include "btl-loss-plot.h"
#include "btl-rd-chart.h"
#include "btl-scatter-map.h"

/* ---- helpers ----------------------------------------------------------- */

static gboolean
flag_true (gpointer p)
{
  *(gboolean *) p = TRUE;
  return G_SOURCE_REMOVE;
}

static void
after_paint (GdkFrameClock *clock,
             gboolean      *painted)
{
  *painted = TRUE;
}

/* Waits (with a timeout) until the window has painted once more. */
static void
wait_for_paint (GtkWidget *window)
{
  gboolean painted = FALSE, timed_out = FALSE;
  GdkFrameClock *clock;
  gulong id;
  guint timeout;

  while (!gtk_widget_get_mapped (window))
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (window);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), &painted);
  timeout = g_timeout_add (5000, flag_true, &timed_out);
  gtk_widget_queue_draw (window);
  while (!painted && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, id);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_false (timed_out);
}

static GtkWidget *
show_in_window (GtkWidget *child,
                int        width,
                int        height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  wait_for_paint (window);
  return window;
}

typedef struct
{
  int     width, height;
  guint8 *pixels;   /* RGBA, straight */
} Shot;

static void
shot_free (Shot *shot)
{
  g_free (shot->pixels);
  g_free (shot);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Shot, shot_free)

/* Renders one widget in-process (gtk-testing.md §5) and downloads its pixels. */
static Shot *
render_widget (GtkWidget  *widget,
               const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;
  GskRenderer *renderer;
  GdkTexture *texture;
  Shot *shot = g_new0 (Shot, 1);
  const char *dir = g_getenv ("BTL_WIDGETS_SHOTS");
  graphene_rect_t bounds;

  shot->width = gtk_widget_get_width (widget);
  shot->height = gtk_widget_get_height (widget);
  g_assert_cmpint (shot->width, >, 0);
  g_assert_cmpint (shot->height, >, 0);
  gdk_paintable_snapshot (paintable, snapshot, shot->width, shot->height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  renderer = gsk_cairo_renderer_new ();
  g_assert_true (gsk_renderer_realize (renderer, NULL, NULL));
  bounds = GRAPHENE_RECT_INIT (0, 0, shot->width, shot->height);
  texture = gsk_renderer_render_texture (renderer, node, &bounds);
  shot->pixels = g_malloc ((gsize) shot->width * shot->height * 4);
  /* gdk_texture_download gives premultiplied ARGB32 (BGRA in memory here):
   * turn it into straight RGBA so colours compare whatever their alpha. */
  gdk_texture_download (texture, shot->pixels, shot->width * 4);
  for (gsize i = 0; i < (gsize) shot->width * shot->height; i++)
    {
      guint8 *p = shot->pixels + 4 * i, b = p[0], g = p[1], r = p[2], a = p[3];

      p[0] = a ? (guint8) MIN (255, (r * 255 + a / 2) / a) : 0;
      p[1] = a ? (guint8) MIN (255, (g * 255 + a / 2) / a) : 0;
      p[2] = a ? (guint8) MIN (255, (b * 255 + a / 2) / a) : 0;
    }
  if (dir != NULL)
    {
      g_autofree char *file = g_strdup_printf ("%s/%s.png", dir, name);

      g_mkdir_with_parents (dir, 0755);
      gdk_texture_save_to_png (texture, file);
    }

  g_object_unref (texture);
  gsk_renderer_unrealize (renderer);
  g_object_unref (renderer);
  gsk_render_node_unref (node);
  return shot;
}

/* Pixels within tol of rgb (ignoring mostly transparent ones). */
static guint
count_color (const Shot *shot,
             int         x0,
             int         y0,
             int         x1,
             int         y1,
             guint32     rgb,
             int         tol)
{
  guint n = 0;
  int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;

  x0 = MAX (x0, 0);
  y0 = MAX (y0, 0);
  x1 = MIN (x1, shot->width);
  y1 = MIN (y1, shot->height);
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        const guint8 *p = shot->pixels + 4 * ((gsize) y * shot->width + x);

        if (p[3] > 200 && ABS (p[0] - r) <= tol && ABS (p[1] - g) <= tol && ABS (p[2] - b) <= tol)
          n++;
      }
  return n;
}

static guint
count_all (const Shot *shot,
           guint32     rgb,
           int         tol)
{
  return count_color (shot, 0, 0, shot->width, shot->height, rgb, tol);
}

static guint
count_different (const Shot *a,
                 const Shot *b)
{
  guint n = 0;

  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (gsize i = 0; i < (gsize) a->width * a->height * 4; i++)
    if (a->pixels[i] != b->pixels[i])
      n++;
  return n;
}

static char *
tmp_path (const char *name)
{
  static char *dir = NULL;

  if (dir == NULL)
    {
      GError *error = NULL;

      dir = g_dir_make_tmp ("btl-widgets-XXXXXX", &error);
      g_assert_no_error (error);
    }
  return g_build_filename (dir, name, NULL);
}

/* Loads a PNG and checks its size (exports are at 2× density). */
static GdkTexture *
load_png (const char *path,
          int         width,
          int         height)
{
  g_autoptr(GError) error = NULL;
  GdkTexture *texture = gdk_texture_new_from_filename (path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, height);
  return texture;
}

static void
assert_svg (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "<svg"));
  g_assert_nonnull (strstr (text, "</svg>"));
  /* Some real drawing, not just an empty page. */
  g_assert_nonnull (strstr (text, "<path"));
}

/* ---- chart helpers ----------------------------------------------------- */

static void
test_chart_ticks (void)
{
  BtlAxis a = { 0 };
  BtlTick t[64];
  char buf[32];
  int n;

  btl_axis_set_range (&a, 0.013, 0.871, FALSE, FALSE);
  g_assert_cmpfloat (a.min, <=, 0.013);
  g_assert_cmpfloat (a.max, >=, 0.871);
  n = btl_axis_ticks (&a, 6, t, G_N_ELEMENTS (t));
  g_assert_cmpint (n, >=, 3);
  g_assert_cmpint (n, <=, 12);
  for (int i = 1; i < n; i++)
    {
      double step = t[i].value - t[i - 1].value;
      double mant = step / pow (10, floor (log10 (step)));

      /* 1-2-5 steps only. */
      g_assert_true (fabs (mant - 1) < 1e-6 || fabs (mant - 2) < 1e-6 || fabs (mant - 5) < 1e-6);
    }

  /* A short axis (room for 2 ticks) still gets 3: −3…3 in steps of 5
   * would show "0" alone. */
  btl_axis_set_range (&a, -2.4, 2.7, FALSE, FALSE);
  n = btl_axis_ticks (&a, 2, t, G_N_ELEMENTS (t));
  g_assert_cmpint (n, >=, 3);
  g_assert_cmpint (n, <=, 4);
  btl_axis_set_range (&a, 0, 7, FALSE, TRUE);
  n = btl_axis_ticks (&a, 3, t, G_N_ELEMENTS (t));
  g_assert_cmpint (n, >=, 3);
  g_assert_cmpint (n, <=, 6);
  btl_axis_set_range (&a, 5, 5, FALSE, FALSE);
  n = btl_axis_ticks (&a, 2, t, G_N_ELEMENTS (t));
  g_assert_cmpint (n, >=, 1);

  btl_axis_set_range (&a, 0.0004, 2.5, TRUE, FALSE);
  n = btl_axis_ticks (&a, 8, t, G_N_ELEMENTS (t));
  {
    int majors = 0;

    for (int i = 0; i < n; i++)
      if (t[i].major)
        {
          double l = log10 (t[i].value);

          g_assert_cmpfloat (fabs (l - round (l)), <, 1e-9);
          majors++;
        }
    g_assert_cmpint (majors, ==, 4); /* 0.001 0.01 0.1 1 */
  }

  btl_format_number (buf, sizeof buf, 0.25, 0.05);
  g_assert_cmpstr (buf, ==, "0.25");
  btl_format_number (buf, sizeof buf, 0.0002, 0.0001);
  g_assert_cmpstr (buf, ==, "2e-4");
  btl_format_number (buf, sizeof buf, -3, 1);
  g_assert_cmpstr (buf, ==, "\xe2\x88\x92" "3");
  btl_format_number (buf, sizeof buf, 1500, 500);
  g_assert_cmpstr (buf, ==, "1500");
  btl_format_number (buf, sizeof buf, 2e6, 1e6);
  g_assert_cmpstr (buf, ==, "2e6");

  /* Garbage in, a sane axis out. */
  btl_axis_set_range (&a, NAN, INFINITY, FALSE, FALSE);
  g_assert_cmpfloat (a.min, ==, 0);
  g_assert_cmpfloat (a.max, ==, 1);
  btl_axis_set_range (&a, -1, 5, TRUE, FALSE);
  g_assert_cmpfloat (a.min, >, 0);
  btl_axis_set_range (&a, 3, 3, FALSE, FALSE);
  g_assert_cmpfloat (a.max, >, a.min);
}

/* ---- loss plot --------------------------------------------------------- */

static BtlLossHistory *
make_history (int      n_steps,
              int      steps_per_epoch,
              gboolean with_reg)
{
  BtlLossHistory *h = btl_loss_history_new ();
  GRand *rand = g_rand_new_with_seed (7);

  for (int i = 0; i < n_steps; i++)
    {
      double base = 0.02 + 0.5 * exp (-i / 150.0);
      double train = base * (1 + 0.3 * (g_rand_double (rand) - 0.5));
      double reg = with_reg ? 0.15 * train : 0;

      btl_loss_history_add_step (h, i + 1, i / steps_per_epoch, train, train - reg, reg);
      if ((i + 1) % steps_per_epoch == 0)
        {
          int e = i / steps_per_epoch;

          btl_loss_history_add_epoch (h, e, i + 1, base, base * 1.1 + 0.002 * e,
                                      base, with_reg ? 0.1 * base : 0, 15 + e);
        }
      if (i + 1 == n_steps / 2)
        btl_loss_history_add_marker (h, i + 1, "lr → 3e-4");
    }
  btl_loss_history_set_best_epoch (h, n_steps / steps_per_epoch - 2);
  g_rand_free (rand);
  return h;
}

static void
test_loss_plot_draws (void)
{
  g_autoptr(BtlLossHistory) h = make_history (3000, 300, FALSE);
  GtkWidget *plot = btl_loss_plot_new ();
  GtkWidget *window = show_in_window (plot, 640, 400);
  g_autoptr(Shot) empty = NULL, lin = NULL, log = NULL, by_epoch = NULL, hovered = NULL;
  g_autoptr(BtlLossHistory) vae = make_history (800, 100, TRUE);
  g_autoptr(Shot) vae_shot = NULL;
  int changed = 0;

  empty = render_widget (plot, "loss-plot-empty");
  /* The empty state shows no series colour. */
  g_assert_cmpuint (count_all (empty, 0x0072B2, 30), ==, 0);

  btl_loss_plot_set_history (BTL_LOSS_PLOT (plot), h);
  g_assert_true (btl_loss_plot_get_history (BTL_LOSS_PLOT (plot)) == h);
  g_assert_cmpfloat (btl_loss_plot_get_smoothing (BTL_LOSS_PLOT (plot)), ==, 0.9);
  wait_for_paint (window);
  lin = render_widget (plot, "loss-plot-linear");
  /* The smoothed training line (Okabe–Ito blue, 2 px) and validation
   * (vermillion) are there in quantity. */
  g_assert_cmpuint (count_all (lin, 0x0072B2, 40), >, 500);
  g_assert_cmpuint (count_all (lin, 0xD55E00, 40), >, 200);

  /* "changed" on the history redraws; a new step moves pixels. */
  btl_loss_history_add_step (h, 3001, 10, 5.0, 5.0, 0);
  wait_for_paint (window);
  {
    g_autoptr(Shot) more = render_widget (plot, "loss-plot-more");

    g_assert_cmpuint (count_different (lin, more), >, 100);
  }

  g_object_set (plot, "log-scale", TRUE, NULL);
  g_assert_true (btl_loss_plot_get_log_scale (BTL_LOSS_PLOT (plot)));
  wait_for_paint (window);
  log = render_widget (plot, "loss-plot-log");
  g_assert_cmpuint (count_different (lin, log), >, 1000);
  g_assert_cmpuint (count_all (log, 0x0072B2, 40), >, 500);

  btl_loss_plot_set_x_by_epoch (BTL_LOSS_PLOT (plot), TRUE);
  btl_loss_plot_set_smoothing (BTL_LOSS_PLOT (plot), 5.0); /* clamped */
  g_assert_cmpfloat (btl_loss_plot_get_smoothing (BTL_LOSS_PLOT (plot)), ==, 0.999);
  g_object_get (plot, "x-by-epoch", &changed, NULL);
  g_assert_true (changed);
  wait_for_paint (window);
  by_epoch = render_widget (plot, "loss-plot-by-epoch");
  g_assert_cmpuint (count_different (log, by_epoch), >, 100);

  /* Hover shows a readout box (drawn only on screen). */
  {
    GList *controllers = NULL;
    GListModel *list = gtk_widget_observe_controllers (plot);

    for (guint i = 0; i < g_list_model_get_n_items (list); i++)
      {
        g_autoptr(GObject) c = g_list_model_get_item (list, i);

        if (GTK_IS_EVENT_CONTROLLER_MOTION (c))
          controllers = g_list_prepend (controllers, c);
      }
    g_assert_nonnull (controllers);
    g_signal_emit_by_name (controllers->data, "motion", 320.0, 200.0);
    g_list_free (controllers);
    g_object_unref (list);
  }
  wait_for_paint (window);
  hovered = render_widget (plot, "loss-plot-hover");
  g_assert_cmpuint (count_different (by_epoch, hovered), >, 500);

  /* A VAE history shows reconstruction (green) and KL (purple). */
  btl_loss_plot_set_x_by_epoch (BTL_LOSS_PLOT (plot), FALSE);
  btl_loss_plot_set_log_scale (BTL_LOSS_PLOT (plot), TRUE);
  btl_loss_plot_set_smoothing (BTL_LOSS_PLOT (plot), 0.6);
  btl_loss_plot_set_history (BTL_LOSS_PLOT (plot), vae);
  wait_for_paint (window);
  vae_shot = render_widget (plot, "loss-plot-vae");
  g_assert_cmpuint (count_all (vae_shot, 0x009E73, 40), >, 100);
  g_assert_cmpuint (count_all (vae_shot, 0xCC79A7, 40), >, 100);

  /* A diverging run (NaN, ±Inf, zero and negative losses on a log axis) is
   * drawn without them, in both scales and both x modes. */
  btl_loss_history_add_step (vae, 801, 8, NAN, NAN, NAN);
  btl_loss_history_add_step (vae, 802, 8, INFINITY, 0, -INFINITY);
  btl_loss_history_add_step (vae, 803, 8, 0, -1, 0);
  btl_loss_history_add_epoch (vae, 8, 803, NAN, INFINITY, NAN, NAN, NAN);
  btl_loss_history_add_marker (vae, 5000, "far right");
  wait_for_paint (window);
  btl_loss_plot_set_x_by_epoch (BTL_LOSS_PLOT (plot), TRUE);
  btl_loss_plot_set_log_scale (BTL_LOSS_PLOT (plot), FALSE);
  wait_for_paint (window);
  shot_free (render_widget (plot, "loss-plot-diverged"));
  btl_loss_plot_set_history (BTL_LOSS_PLOT (plot), NULL);
  wait_for_paint (window);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A live plot draws in a thread: it catches up with every change, shows
 * what the plot would draw itself, and a new step is one more drawing. */
static gboolean
plot_current (BtlLossPlot *plot)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!btl_loss_plot_is_current (plot) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  return btl_loss_plot_is_current (plot);
}

/* The widget's own pointer-motion controller, to hover it in tests. */
static GtkEventController *
motion_controller (GtkWidget *widget)
{
  GtkEventController *motion = NULL;
  GListModel *controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && motion == NULL; i++)
    {
      GtkEventController *controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_MOTION (controller))
        motion = controller;
      g_object_unref (controller);
    }
  g_object_unref (controllers);
  g_assert_nonnull (motion);
  return motion;
}

/* A live plot on a page that is not shown (GtkStack) draws no pictures;
 * shown again, it catches up with what came meanwhile. */
static void
test_loss_plot_hidden (void)
{
  g_autoptr(BtlLossHistory) h = make_history (500, 50, FALSE);
  GtkWidget *stack = gtk_stack_new ();
  GtkWidget *plot = btl_loss_plot_new ();
  GtkWidget *other = gtk_label_new ("Another page");
  GtkWidget *window;
  gboolean waited = FALSE;
  guint renders;

  gtk_stack_add_named (GTK_STACK (stack), plot, "train");
  gtk_stack_add_named (GTK_STACK (stack), other, "latent");
  window = show_in_window (stack, 640, 400);
  btl_loss_plot_set_history (BTL_LOSS_PLOT (plot), h);
  btl_loss_plot_set_live (BTL_LOSS_PLOT (plot), TRUE);
  wait_for_paint (window);
  g_assert_true (plot_current (BTL_LOSS_PLOT (plot)));

  gtk_stack_set_visible_child_name (GTK_STACK (stack), "latent");
  wait_for_paint (window);
  g_assert_false (gtk_widget_get_mapped (plot));
  renders = btl_loss_plot_get_n_renders (BTL_LOSS_PLOT (plot), NULL);
  for (int i = 0; i < 5; i++)
    btl_loss_history_add_step (h, 501 + i, 10, 0.03, 0.03, 0);
  /* Time for a picture to be drawn in its thread, had one been started. */
  g_timeout_add (400, flag_true, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (btl_loss_plot_get_n_renders (BTL_LOSS_PLOT (plot), NULL), ==, renders);

  gtk_stack_set_visible_child_name (GTK_STACK (stack), "train");
  g_assert_true (plot_current (BTL_LOSS_PLOT (plot)));
  g_assert_cmpuint (btl_loss_plot_get_n_renders (BTL_LOSS_PLOT (plot), NULL), ==, renders + 1);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_loss_plot_live (void)
{
  g_autoptr(BtlLossHistory) h = make_history (3000, 300, FALSE);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *plot = btl_loss_plot_new ();
  GtkWidget *still = btl_loss_plot_new ();
  GtkWidget *window;
  g_autoptr(Shot) drawn = NULL, live = NULL, later = NULL;
  guint renders;

  gtk_widget_set_size_request (plot, 640, 400);
  gtk_widget_set_size_request (still, 640, 400);
  gtk_box_append (GTK_BOX (box), plot);
  gtk_box_append (GTK_BOX (box), still);
  window = show_in_window (box, 1280, 400);
  btl_loss_plot_set_history (BTL_LOSS_PLOT (still), h);
  btl_loss_plot_set_history (BTL_LOSS_PLOT (plot), h);
  btl_loss_plot_set_live (BTL_LOSS_PLOT (plot), TRUE);
  g_assert_false (btl_loss_plot_is_current (BTL_LOSS_PLOT (plot)));
  wait_for_paint (window);
  g_assert_true (plot_current (BTL_LOSS_PLOT (plot)));
  g_assert_cmpuint (btl_loss_plot_get_n_renders (BTL_LOSS_PLOT (plot), NULL), >=, 1);
  wait_for_paint (window);

  /* The thread's picture is the plot as drawn on the main thread (text
   * may be hinted a little differently). */
  drawn = render_widget (still, "loss-plot-still");
  live = render_widget (plot, "loss-plot-live");
  g_assert_cmpuint (count_all (live, 0x0072B2, 40), >, 500);
  g_assert_cmpuint (count_all (live, 0xD55E00, 40), >, 200);
  g_assert_cmpuint (count_different (drawn, live), <, (guint) (live->width * live->height * 4 / 50));

  /* Growing: a new picture follows each change. */
  renders = btl_loss_plot_get_n_renders (BTL_LOSS_PLOT (plot), NULL);
  btl_loss_history_add_step (h, 3001, 10, 5.0, 5.0, 0);
  g_assert_false (btl_loss_plot_is_current (BTL_LOSS_PLOT (plot)));
  g_assert_true (plot_current (BTL_LOSS_PLOT (plot)));
  g_assert_cmpuint (btl_loss_plot_get_n_renders (BTL_LOSS_PLOT (plot), NULL), >, renders);
  wait_for_paint (window);
  later = render_widget (plot, "loss-plot-live-more");
  g_assert_cmpuint (count_different (live, later), >, 100);

  /* One more ordinary step, the axes as they were: only the strips where
   * the curve grew are new, and the strips shown are the whole picture. */
  {
    guint strips_before, strips_after;
    g_autoptr(Shot) grown = NULL;
    g_autoptr(Shot) direct = NULL;

    renders = btl_loss_plot_get_n_renders (BTL_LOSS_PLOT (plot), &strips_before);
    btl_loss_history_add_step (h, 3002, 10, 0.03, 0.03, 0);
    g_assert_true (plot_current (BTL_LOSS_PLOT (plot)));
    g_assert_cmpuint (btl_loss_plot_get_n_renders (BTL_LOSS_PLOT (plot), &strips_after), ==, renders + 1);
    g_assert_cmpuint (strips_after - strips_before, >=, 1);
    g_assert_cmpuint (strips_after - strips_before, <=, 4);
    wait_for_paint (window);
    grown = render_widget (plot, "loss-plot-live-grown");
    btl_loss_plot_set_live (BTL_LOSS_PLOT (plot), FALSE);
    wait_for_paint (window);
    direct = render_widget (plot, "loss-plot-live-direct");
    g_assert_cmpuint (count_different (grown, direct), <, (guint) (direct->width * direct->height * 4 / 50));
    btl_loss_plot_set_live (BTL_LOSS_PLOT (plot), TRUE);
  }

  /* Under the pointer: the thread draws the readout into its picture, which
   * then looks like the still plot's, and new steps still come as pictures. */
  {
    g_autoptr(Shot) hovered_live = NULL, hovered_still = NULL, plain = NULL;

    g_assert_true (plot_current (BTL_LOSS_PLOT (plot)));
    wait_for_paint (window);
    plain = render_widget (plot, "loss-plot-live-plain");
    g_signal_emit_by_name (motion_controller (plot), "motion", 320.0, 200.0);
    g_signal_emit_by_name (motion_controller (still), "motion", 320.0, 200.0);
    g_assert_false (btl_loss_plot_is_current (BTL_LOSS_PLOT (plot)));
    g_assert_true (plot_current (BTL_LOSS_PLOT (plot)));
    wait_for_paint (window);
    hovered_live = render_widget (plot, "loss-plot-live-hover");
    hovered_still = render_widget (still, "loss-plot-still-hover");
    g_assert_cmpuint (count_different (plain, hovered_live), >, 500);
    g_assert_cmpuint (count_different (hovered_still, hovered_live), <,
                      (guint) (hovered_live->width * hovered_live->height * 4 / 50));
    renders = btl_loss_plot_get_n_renders (BTL_LOSS_PLOT (plot), NULL);
    btl_loss_history_add_step (h, 3003, 10, 0.02, 0.02, 0);
    g_assert_true (plot_current (BTL_LOSS_PLOT (plot)));
    g_assert_cmpuint (btl_loss_plot_get_n_renders (BTL_LOSS_PLOT (plot), NULL), >, renders);
    g_signal_emit_by_name (motion_controller (plot), "leave");
    g_signal_emit_by_name (motion_controller (still), "leave");
  }

  /* Destroyed with a drawing under way: nothing is left behind. */
  btl_loss_history_add_step (h, 3004, 10, 0.01, 0.01, 0);
  gtk_window_destroy (GTK_WINDOW (window));
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

static void
test_loss_plot_export (void)
{
  g_autoptr(BtlLossHistory) h = make_history (2000, 200, FALSE);
  GtkWidget *plot = btl_loss_plot_new ();
  GtkWidget *window = show_in_window (plot, 600, 360);
  g_autofree char *png = tmp_path ("loss.png");
  g_autofree char *svg = tmp_path ("loss.svg");
  g_autofree char *csv = tmp_path ("loss.csv");
  g_autofree char *bad = tmp_path ("loss.bmp");
  g_autofree char *missing = tmp_path ("no/such/dir/loss.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *csv_text = NULL;
  int w, h_px;

  btl_loss_plot_set_history (BTL_LOSS_PLOT (plot), h);
  wait_for_paint (window);
  w = gtk_widget_get_width (plot);
  h_px = gtk_widget_get_height (plot);

  g_assert_true (btl_loss_plot_export (BTL_LOSS_PLOT (plot), png, &error));
  g_assert_no_error (error);
  texture = load_png (png, 2 * w, 2 * h_px);
  {
    /* Exports are dark ink on white with the same series colours. */
    Shot s = { 2 * w, 2 * h_px, g_malloc ((gsize) 4 * w * 2 * h_px * 2) };

    gdk_texture_download (texture, s.pixels, s.width * 4);
    for (gsize i = 0; i < (gsize) s.width * s.height; i++)
      {
        guint8 t = s.pixels[4 * i];

        s.pixels[4 * i] = s.pixels[4 * i + 2];
        s.pixels[4 * i + 2] = t;
      }
    g_assert_cmpuint (count_all (&s, 0xFFFFFF, 0), >, (guint) (s.width * s.height / 2));
    g_assert_cmpuint (count_all (&s, 0x0072B2, 40), >, 1000);
    g_free (s.pixels);
  }

  g_assert_true (btl_loss_plot_export (BTL_LOSS_PLOT (plot), svg, &error));
  g_assert_no_error (error);
  assert_svg (svg);

  g_assert_true (btl_loss_history_save_csv (h, csv, &error));
  g_assert_true (g_file_get_contents (csv, &csv_text, NULL, &error));
  g_assert_true (g_str_has_prefix (csv_text, "kind,step,epoch,"));

  g_assert_false (btl_loss_plot_export (BTL_LOSS_PLOT (plot), bad, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  g_assert_false (btl_loss_plot_export (BTL_LOSS_PLOT (plot), missing, &error));
  g_assert_nonnull (error);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_loss_plot_accessible (void)
{
  g_autoptr(BtlLossHistory) h = make_history (600, 100, FALSE);
  GtkWidget *plot = g_object_ref_sink (btl_loss_plot_new ());

  gtk_test_accessible_assert_role (plot, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_test_accessible_assert_property (plot, GTK_ACCESSIBLE_PROPERTY_LABEL, "Loss plot");
  btl_loss_plot_set_history (BTL_LOSS_PLOT (plot), h);
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (plot), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
  g_object_unref (plot);
}


/* ---- image grid -------------------------------------------------------- */

/* Connected regions (4-neighbour) of pixels within tol of rgb, at least
 * min_size pixels each: how many tiles of that colour are visible. */
static guint
count_regions (const Shot *shot,
               guint32     rgb,
               int         tol,
               guint       min_size,
               guint      *largest)
{
  gsize n_px = (gsize) shot->width * shot->height;
  guint8 *seen = g_new0 (guint8, n_px);
  int *stack = g_new (int, n_px);
  int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
  guint regions = 0;

#define MATCH(i) (shot->pixels[4 * (i) + 3] > 200                            \
                  && ABS (shot->pixels[4 * (i)] - r) <= tol                   \
                  && ABS (shot->pixels[4 * (i) + 1] - g) <= tol               \
                  && ABS (shot->pixels[4 * (i) + 2] - b) <= tol)
  if (largest)
    *largest = 0;
  for (gsize start = 0; start < n_px; start++)
    {
      guint size = 0;
      int top = 0;

      if (seen[start] || !MATCH (start))
        continue;
      seen[start] = 1;
      stack[top++] = (int) start;
      while (top > 0)
        {
          int i = stack[--top], x = i % shot->width, y = i / shot->width;
          int nb[4] = { x > 0 ? i - 1 : -1, x + 1 < shot->width ? i + 1 : -1,
                        y > 0 ? i - shot->width : -1, y + 1 < shot->height ? i + shot->width : -1 };

          size++;
          for (int k = 0; k < 4; k++)
            if (nb[k] >= 0 && !seen[nb[k]] && MATCH (nb[k]))
              {
                seen[nb[k]] = 1;
                stack[top++] = nb[k];
              }
        }
      if (size >= min_size)
        {
          regions++;
          if (largest)
            *largest = MAX (*largest, size);
        }
    }
#undef MATCH
  g_free (seen);
  g_free (stack);
  return regions;
}

/* A refresh with new reconstructions of the same images redraws only the
 * bottom tiles (the rest is kept from before) and looks exactly like a grid
 * that showed those reconstructions from the start. */
static void
test_image_grid_refresh (void)
{
  const int n = 10, c = 1, h = 28, w = 28;
  static const char *const labels[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot", NULL };
  g_autofree float *orig = g_new (float, n * c * h * w);
  g_autofree float *recon1 = g_new (float, n * c * h * w);
  g_autofree float *recon2 = g_new (float, n * c * h * w);
  GtkWidget *grid = btl_image_grid_new (), *fresh = btl_image_grid_new ();
  GtkWidget *window = show_in_window (grid, 640, 300);
  GtkWidget *fresh_window = show_in_window (fresh, 640, 300);
  g_autoptr(Shot) before = NULL, refreshed = NULL, expected = NULL, hovered = NULL;
  guint draws;

  for (int i = 0; i < n * c * h * w; i++)
    {
      orig[i] = (float) (0.5 + 0.5 * sin (i / 37.0));
      recon1[i] = 0.3f;
      recon2[i] = (float) (0.5 + 0.4 * cos (i / 11.0));
    }

  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, recon1, n, c, h, w);
  btl_image_grid_set_labels (BTL_IMAGE_GRID (grid), labels);
  wait_for_paint (window);
  before = render_widget (grid, "grid-refresh-before");
  draws = btl_image_grid_get_n_fixed_draws (BTL_IMAGE_GRID (grid));
  g_assert_cmpuint (draws, >=, 1);

  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, recon2, n, c, h, w);
  wait_for_paint (window);
  refreshed = render_widget (grid, "grid-refresh-after");
  g_assert_cmpuint (btl_image_grid_get_n_fixed_draws (BTL_IMAGE_GRID (grid)), ==, draws);
  g_assert_cmpuint (count_different (before, refreshed), >, 1000);

  btl_image_grid_set_images (BTL_IMAGE_GRID (fresh), orig, recon2, n, c, h, w);
  btl_image_grid_set_labels (BTL_IMAGE_GRID (fresh), labels);
  wait_for_paint (fresh_window);
  expected = render_widget (fresh, "grid-refresh-expected");
  g_assert_cmpuint (count_different (refreshed, expected), ==, 0);

  /* Other originals: everything is drawn again. */
  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), recon2, recon2, n, c, h, w);
  wait_for_paint (window);
  shot_free (render_widget (grid, "grid-refresh-new-originals"));
  g_assert_cmpuint (btl_image_grid_get_n_fixed_draws (BTL_IMAGE_GRID (grid)), ==, draws + 1);

  /* The hover frame comes and goes without redrawing the rest. */
  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, recon2, n, c, h, w);
  wait_for_paint (window);
  draws = btl_image_grid_get_n_fixed_draws (BTL_IMAGE_GRID (grid));
  {
    GtkEventController *motion = motion_controller (grid);
    int x = -1, y = -1;

    for (int yy = 0; yy < refreshed->height && x < 0; yy++)
      for (int xx = 0; xx < refreshed->width; xx++)
        if (btl_image_grid_index_at (BTL_IMAGE_GRID (grid), xx, yy) == 2)
          {
            x = xx + 3;
            y = yy + 3;
            break;
          }
    g_signal_emit_by_name (motion, "motion", (double) x, (double) y);
    wait_for_paint (window);
    hovered = render_widget (grid, "grid-refresh-hover");
    g_assert_cmpuint (count_different (refreshed, hovered), >, 100);
    g_signal_emit_by_name (motion, "leave");
    wait_for_paint (window);
    shot_free (refreshed);
    refreshed = render_widget (grid, "grid-refresh-left");
    g_assert_cmpuint (count_different (refreshed, expected), ==, 0);
  }
  g_assert_cmpuint (btl_image_grid_get_n_fixed_draws (BTL_IMAGE_GRID (grid)), ==, draws);

  gtk_window_destroy (GTK_WINDOW (fresh_window));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* With room kept for the reconstructions, the first ones fill the grid in:
 * the originals stay where and as large as they were (only the caption and
 * the bottom tiles are drawn again). */
static void
test_image_grid_reserve (void)
{
  const int n = 10, c = 1, h = 28, w = 28;
  g_autofree float *orig = g_new (float, n * c * h * w);
  g_autofree float *recon = g_new (float, n * c * h * w);
  GtkWidget *grid = btl_image_grid_new ();
  GtkWidget *window = show_in_window (grid, 640, 300);
  g_autoptr(Shot) empty = NULL, filled = NULL;
  guint white_before, white_after, draws;
  int at_before, at_after;

  for (int i = 0; i < n * c * h * w; i++)
    {
      orig[i] = 1.0f;
      recon[i] = 0.5f;
    }
  btl_image_grid_set_reserve_bottom (BTL_IMAGE_GRID (grid), TRUE);
  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, NULL, n, c, h, w);
  wait_for_paint (window);
  empty = render_widget (grid, "grid-reserve-empty");
  draws = btl_image_grid_get_n_fixed_draws (BTL_IMAGE_GRID (grid));
  g_assert_cmpuint (count_regions (empty, 0xFFFFFF, 0, 50, &white_before), ==, (guint) n);
  g_assert_cmpuint (count_regions (empty, 0x808080, 1, 50, NULL), ==, 0);
  at_before = btl_image_grid_index_at (BTL_IMAGE_GRID (grid), 40, 40);

  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, recon, n, c, h, w);
  wait_for_paint (window);
  filled = render_widget (grid, "grid-reserve-filled");
  g_assert_cmpuint (count_regions (filled, 0xFFFFFF, 0, 50, &white_after), ==, (guint) n);
  g_assert_cmpuint (count_regions (filled, 0x808080, 1, 50, NULL), ==, (guint) n);
  g_assert_cmpuint (white_after, ==, white_before);
  at_after = btl_image_grid_index_at (BTL_IMAGE_GRID (grid), 40, 40);
  g_assert_cmpint (at_after, ==, at_before);
  /* The caption changed; the layout did not. */
  g_assert_cmpuint (btl_image_grid_get_n_fixed_draws (BTL_IMAGE_GRID (grid)), ==, draws + 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
count_call (GObject *owner)
{
  guint *calls = g_object_get_data (owner, "calls");

  (*calls)++;
}

/* ---- render cache, progress line --------------------------------------- */

/* A bin whose snapshot goes through a BtlRenderCache (or not). */
#define TEST_TYPE_CACHED_BIN (test_cached_bin_get_type ())
G_DECLARE_FINAL_TYPE (TestCachedBin, test_cached_bin, TEST, CACHED_BIN, GtkWidget)

struct _TestCachedBin
{
  GtkWidget       parent_instance;
  BtlRenderCache  cache;
  gboolean        cached;
};

G_DEFINE_FINAL_TYPE (TestCachedBin, test_cached_bin, GTK_TYPE_WIDGET)

static void
test_cached_bin_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  TestCachedBin *self = TEST_CACHED_BIN (widget);

  if (self->cached)
    btl_render_cache_snapshot (&self->cache, widget, snapshot,
                               GTK_WIDGET_CLASS (test_cached_bin_parent_class)->snapshot);
  else
    GTK_WIDGET_CLASS (test_cached_bin_parent_class)->snapshot (widget, snapshot);
}

static void
test_cached_bin_dispose (GObject *object)
{
  TestCachedBin *self = TEST_CACHED_BIN (object);
  GtkWidget *child;

  btl_render_cache_clear (&self->cache);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (test_cached_bin_parent_class)->dispose (object);
}

static void
test_cached_bin_class_init (TestCachedBinClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = test_cached_bin_dispose;
  GTK_WIDGET_CLASS (klass)->snapshot = test_cached_bin_snapshot;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
}

static void
test_cached_bin_init (TestCachedBin *self)
{
}

/* Controls with rounded borders and text, as in the sidebar. */
static GtkWidget *
cached_bin_new (gboolean    cached,
                GtkWidget **label_out)
{
  TestCachedBin *bin = g_object_new (TEST_TYPE_CACHED_BIN, NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new ("Learning rate");
  GtkWidget *scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 0.1);

  /* No text entry: a focused one blinks its cursor, frame after frame. */
  bin->cached = cached;
  gtk_range_set_value (GTK_RANGE (scale), 0.3);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), scale);
  gtk_box_append (GTK_BOX (box), gtk_button_new_with_label ("Train"));
  gtk_box_append (GTK_BOX (box), gtk_check_button_new_with_label ("Denoising"));
  gtk_widget_set_parent (box, GTK_WIDGET (bin));
  *label_out = label;
  return GTK_WIDGET (bin);
}

static void
assert_same_pixels (const Shot *a,
                    const Shot *b)
{
  int differ = 0;

  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (gsize i = 0; i < (gsize) a->width * a->height * 4; i++)
    if (ABS ((int) a->pixels[i] - (int) b->pixels[i]) > 2)
      differ++;
  g_assert_cmpint (differ, ==, 0);
}

/* The picture looks like the subtree itself, is reused while nothing
 * changes, drawn again after a change, and passed over while the subtree
 * changes frame after frame (then pictured once it is still). */
static void
test_render_cache (void)
{
  GtkWidget *plain_label, *cached_label;
  GtkWidget *plain = cached_bin_new (FALSE, &plain_label);
  GtkWidget *cached = cached_bin_new (TRUE, &cached_label);
  GtkWidget *w1 = show_in_window (plain, 240, 160);
  GtkWidget *w2 = show_in_window (cached, 240, 160);
  TestCachedBin *bin = TEST_CACHED_BIN (cached);
  g_autoptr(Shot) a = NULL, b = NULL;
  guint n;
  gboolean timed_out = FALSE;

  gtk_window_set_focus (GTK_WINDOW (w1), NULL);
  gtk_window_set_focus (GTK_WINDOW (w2), NULL);
  /* Changes in quick succession while the windows came up: the picture
   * comes once the subtree is still. */
  g_timeout_add (400, flag_true, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
  wait_for_paint (w1);
  wait_for_paint (w2);
  /* The windows: a paintable of the bin itself would snapshot it anew. */
  a = render_widget (w1, "render-cache-plain");
  b = render_widget (w2, "render-cache-cached");

  assert_same_pixels (a, b);
  g_assert_cmpuint (bin->cache.n_pictures, >=, 1);
  g_assert_nonnull (bin->cache.picture);

  /* Frames without a change inside: the same picture. */
  n = bin->cache.n_pictures;
  wait_for_paint (w2);
  wait_for_paint (w2);
  g_assert_cmpuint (bin->cache.n_pictures, ==, n);

  /* A change inside, once things are still: a new picture with it. */
  g_usleep (200 * 1000);
  gtk_label_set_text (GTK_LABEL (plain_label), "Noise");
  gtk_label_set_text (GTK_LABEL (cached_label), "Noise");
  wait_for_paint (w1);
  wait_for_paint (w2);
  g_assert_cmpuint (bin->cache.n_pictures, ==, n + 1);
  {
    g_autoptr(Shot) c = render_widget (w1, "render-cache-plain-2");
    g_autoptr(Shot) d = render_widget (w2, "render-cache-cached-2");

    assert_same_pixels (c, d);
  }

  /* Changes frame after frame: passed on as they are, no picture ... */
  n = bin->cache.n_pictures;
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *text = g_strdup_printf ("Step %d", i);

      gtk_label_set_text (GTK_LABEL (cached_label), text);
      wait_for_paint (w2);
    }
  g_assert_cmpuint (bin->cache.n_pictures, <=, n + 1);
  g_assert_null (bin->cache.picture);
  /* ... and one once the subtree is still. */
  timed_out = FALSE;
  g_timeout_add (600, flag_true, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (bin->cache.picture);

  gtk_window_destroy (GTK_WINDOW (w1));
  gtk_window_destroy (GTK_WINDOW (w2));
}

static void
count_layout (guint *count)
{
  (*count)++;
}

/* The progress line: fraction clamped, a redraw only when its fill moves by
 * a pixel, never a new allocation; screen readers get its value. */
static void
test_progress_line (void)
{
  GtkWidget *line = btl_progress_line_new ();
  GtkWidget *window = show_in_window (line, 200, 20);
  BtlProgressLine *p = BTL_PROGRESS_LINE (line);
  g_autoptr(Shot) empty = NULL, half = NULL;
  int width = gtk_widget_get_width (line), filled = 0;
  guint layouts = 0;
  gulong layout_id;

  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (line)), ==,
                   GTK_ACCESSIBLE_ROLE_PROGRESS_BAR);
  empty = render_widget (line, "progress-line-0");
  wait_for_paint (window);
  layout_id = g_signal_connect_swapped (gtk_native_get_surface (GTK_NATIVE (window)), "layout",
                                        G_CALLBACK (count_layout), &layouts);
  btl_progress_line_set_fraction (p, 0.5);
  g_assert_cmpfloat (btl_progress_line_get_fraction (p), ==, 0.5);
  wait_for_paint (window);
  /* No new layout of the window (a GtkProgressBar makes one: an X round trip). */
  g_assert_cmpuint (layouts, ==, 0);
  g_signal_handler_disconnect (gtk_native_get_surface (GTK_NATIVE (window)), layout_id);
  half = render_widget (line, "progress-line-50");
  /* The left half changed, the right half did not. */
  for (int x = 0; x < width; x++)
    {
      const guint8 *a = empty->pixels + 4 * ((gsize) (empty->height / 2) * width + x);
      const guint8 *b = half->pixels + 4 * ((gsize) (half->height / 2) * width + x);

      if (memcmp (a, b, 4) != 0)
        filled++;
    }
  g_assert_cmpint (ABS (filled - width / 2), <=, 2);

  /* Right to left: the other half fills. */
  {
    g_autoptr(Shot) rtl = NULL;
    int left = 0, right = 0;

    gtk_widget_set_direction (line, GTK_TEXT_DIR_RTL);
    wait_for_paint (window);
    rtl = render_widget (line, "progress-line-50-rtl");
    for (int x = 0; x < width; x++)
      {
        const guint8 *a = empty->pixels + 4 * ((gsize) (empty->height / 2) * width + x);
        const guint8 *b = rtl->pixels + 4 * ((gsize) (rtl->height / 2) * width + x);

        if (memcmp (a, b, 4) != 0)
          *(x < width / 2 ? &left : &right) += 1;
      }
    g_assert_cmpint (left, <=, 2);
    g_assert_cmpint (ABS (right - width / 2), <=, 2);
    gtk_widget_set_direction (line, GTK_TEXT_DIR_LTR);
  }

  btl_progress_line_set_fraction (p, 7);
  g_assert_cmpfloat (btl_progress_line_get_fraction (p), ==, 1);
  btl_progress_line_set_fraction (p, -1);
  g_assert_cmpfloat (btl_progress_line_get_fraction (p), ==, 0);
  btl_progress_line_set_fraction (p, NAN);
  g_assert_cmpfloat (btl_progress_line_get_fraction (p), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The dot rasteriser draws what one cairo fill per colour of the same arcs
 * draws (up to anti-aliasing), leaves what is outside the clip alone and
 * skips dots with no position. */
static void
test_dots (void)
{
  const int w = 300, h = 200, n = 3000;
  const GdkRGBA colours[3] = { { 0.1, 0.4, 0.8, 1 }, { 0.9, 0.5, 0.1, 1 }, { 0.2, 0.7, 0.3, 1 } };
  cairo_rectangle_int_t clip = { 10, 12, 270, 170 };
  g_autofree double *xy = g_new (double, 2 * n);
  g_autofree guint8 *colour_of = g_new (guint8, n);
  GRand *rand = g_rand_new_with_seed (7);

  for (int i = 0; i < n; i++)
    {
      /* Clusters, as on a latent map, some across the clip's edges. */
      int c = g_rand_int_range (rand, 0, 3);

      colour_of[i] = (guint8) c;
      xy[2 * i] = 60 + 90 * c + g_rand_double_range (rand, -1, 1) * g_rand_double_range (rand, 0, 70);
      xy[2 * i + 1] = 100 + g_rand_double_range (rand, -1, 1) * g_rand_double_range (rand, 0, 95);
    }
  xy[0] = NAN;

  for (int k = 0; k < 2; k++)
    {
      double radius = k == 0 ? 1.9 : 3.8, alpha = k == 0 ? 0.55 : 0.85;
      cairo_surface_t *fast = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
      cairo_surface_t *slow = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
      cairo_t *cr = cairo_create (slow);
      const guint8 *a, *b;
      double sum = 0;
      int big = 0, outside = 0;

      btl_dots_draw (fast, xy, colour_of, n, colours, 3, alpha, radius, &clip);
      cairo_rectangle (cr, clip.x, clip.y, clip.width, clip.height);
      cairo_clip (cr);
      for (int c = 0; c < 3; c++)
        {
          cairo_set_source_rgba (cr, colours[c].red, colours[c].green, colours[c].blue, alpha);
          for (int i = 1; i < n; i++)
            if (colour_of[i] == c)
              {
                cairo_new_sub_path (cr);
                cairo_arc (cr, xy[2 * i], xy[2 * i + 1], radius, 0, 2 * G_PI);
              }
          cairo_fill (cr);
        }
      cairo_destroy (cr);
      cairo_surface_flush (fast);
      cairo_surface_flush (slow);
      a = cairo_image_surface_get_data (fast);
      b = cairo_image_surface_get_data (slow);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          for (int ch = 0; ch < 4; ch++)
            {
              gsize o = (gsize) y * cairo_image_surface_get_stride (fast) + 4 * x + ch;
              int d = ABS ((int) a[o] - (int) b[o]);

              sum += d;
              big += d > 48;
              if (x < clip.x || y < clip.y || x >= clip.x + clip.width || y >= clip.y + clip.height)
                outside += a[o] != 0;
            }
      g_test_message ("dots radius %.1f: mean |difference| %.3f, %d channel values off by > 48",
                      radius, sum / (w * h * 4), big);
      g_assert_cmpint (outside, ==, 0);
      g_assert_cmpfloat (sum / (w * h * 4), <, 1.5);
      g_assert_cmpint (big, <, w * h * 4 / 500);
      cairo_surface_destroy (fast);
      cairo_surface_destroy (slow);
    }
  g_rand_free (rand);
}

/* One large change per frame: the second claim before a frame waits for
 * that frame; a deferred change runs after it, not before. */
static void
test_frame_budget (void)
{
  GtkWidget *unshown = gtk_label_new ("x");
  GtkWidget *area = gtk_drawing_area_new ();
  GtkWidget *window = show_in_window (area, 200, 100);
  g_autoptr(GObject) owner = g_object_new (G_TYPE_OBJECT, NULL);
  guint calls = 0;
  gint64 deadline;

  g_object_set_data (owner, "calls", &calls);
  g_object_ref_sink (unshown);

  /* Not shown: no frames to share, everything at once. */
  g_assert_true (btl_frame_budget_claim (unshown));
  g_assert_true (btl_frame_budget_claim (unshown));
  btl_frame_budget_defer (unshown, owner, count_call);
  g_assert_cmpuint (calls, ==, 1);

  wait_for_paint (window);
  g_assert_true (btl_frame_budget_claim (area));
  g_assert_false (btl_frame_budget_claim (area));
  btl_frame_budget_defer (area, owner, count_call);
  g_assert_cmpuint (calls, ==, 1);
  gtk_widget_queue_draw (area);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (calls < 2 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (calls, ==, 2);
  /* The deferred change took the frame after the claimed one. */
  g_assert_false (btl_frame_budget_claim (area));

  /* The window closes before the frame: the change still comes, once, and
   * quietly (its frame clock's handlers went with the window). */
  btl_frame_budget_defer (area, owner, count_call);
  g_object_unref (unshown);
  gtk_window_destroy (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (calls, ==, 3);
}

static void
test_image_grid (void)
{
  const int n = 12, c = 1, h = 28, w = 28;
  static const char *const labels[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
                                        "A very long label that cannot fit", "Last", NULL };
  g_autofree float *orig = g_new (float, n * c * h * w);
  g_autofree float *recon = g_new (float, n * c * h * w);
  GtkWidget *grid = btl_image_grid_new ();
  GtkWidget *window = show_in_window (grid, 700, 360);
  g_autoptr(Shot) empty = NULL, only_orig = NULL, both = NULL, diff = NULL;
  g_autofree char *png = tmp_path ("grid.png");
  g_autofree char *svg = tmp_path ("grid.svg");
  g_autoptr(GError) error = NULL;
  guint largest_white, largest_grey;

  /* Flat tiles: originals white, reconstructions mid grey (error 0.5). */
  for (int i = 0; i < n * c * h * w; i++)
    {
      orig[i] = 1.0f;
      recon[i] = 0.5f;
    }

  empty = render_widget (grid, "grid-empty");
  g_assert_cmpuint (count_regions (empty, 0xFFFFFF, 0, 50, NULL), ==, 0);
  g_assert_cmpint (btl_image_grid_index_at (BTL_IMAGE_GRID (grid), 10, 10), ==, -1);

  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, NULL, n, c, h, w);
  btl_image_grid_set_labels (BTL_IMAGE_GRID (grid), labels);
  /* Names cut on screen are whole in the description. */
  {
    g_autofree char *names = g_strjoinv (", ", (char **) labels);
    g_autofree char *expected = g_strdup_printf ("12 original images. Labels: %s", names);

    gtk_test_accessible_assert_property (grid, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, expected);
  }
  wait_for_paint (window);
  only_orig = render_widget (grid, "grid-originals");
  g_assert_cmpuint (count_regions (only_orig, 0xFFFFFF, 0, 50, NULL), ==, (guint) n);
  g_assert_cmpuint (count_regions (only_orig, 0x808080, 1, 50, NULL), ==, 0);
  g_assert_true (isnan (btl_image_grid_get_psnr (BTL_IMAGE_GRID (grid), 0)));

  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, recon, n, c, h, w);
  wait_for_paint (window);
  both = render_widget (grid, "grid-reconstructions");
  /* n white originals above n grey reconstructions, all the same size. */
  g_assert_cmpuint (count_regions (both, 0xFFFFFF, 0, 50, &largest_white), ==, (guint) n);
  g_assert_cmpuint (count_regions (both, 0x808080, 1, 50, &largest_grey), ==, (guint) n);
  g_assert_cmpuint (largest_white, ==, largest_grey);
  g_assert_cmpuint (largest_white, >=, (guint) (h * w));
  g_assert_cmpfloat_with_epsilon (btl_image_grid_get_psnr (BTL_IMAGE_GRID (grid), 3),
                                  10 * log10 (1 / 0.25), 1e-6);

  /* Difference view: |1 − 0.5| = 0.5 saturates the heat map (pale yellow). */
  g_object_set (grid, "show-difference", TRUE, NULL);
  g_assert_true (btl_image_grid_get_show_difference (BTL_IMAGE_GRID (grid)));
  wait_for_paint (window);
  diff = render_widget (grid, "grid-difference");
  g_assert_cmpuint (count_different (both, diff), >, 1000);
  g_assert_cmpuint (count_regions (diff, 0x808080, 1, 50, NULL), ==, 0);
  g_assert_cmpuint (count_regions (diff, 0xFCFFA4, 2, 50, NULL), ==, (guint) n);

  /* Hit testing: the middle of the first white tile is image 0. */
  {
    int found = -1;

    for (int y = 0; y < both->height && found < 0; y++)
      for (int x = 0; x < both->width; x++)
        {
          const guint8 *p = both->pixels + 4 * ((gsize) y * both->width + x);

          if (p[0] == 255 && p[1] == 255 && p[2] == 255 && p[3] == 255)
            {
              found = btl_image_grid_index_at (BTL_IMAGE_GRID (grid), x + 5, y + 5);
              break;
            }
        }
    g_assert_cmpint (found, ==, 0);
    g_assert_cmpint (btl_image_grid_index_at (BTL_IMAGE_GRID (grid), -5, -5), ==, -1);
  }

  /* A tooltip (label and PSNR) over a tile, none between them. */
  {
    GtkTooltip *tooltip = g_object_new (GTK_TYPE_TOOLTIP, NULL);
    gboolean shown = FALSE;
    int x = -1, y = -1;

    for (int yy = 0; yy < both->height && x < 0; yy++)
      for (int xx = 0; xx < both->width; xx++)
        if (btl_image_grid_index_at (BTL_IMAGE_GRID (grid), xx, yy) == 5)
          {
            x = xx + 3;
            y = yy + 3;
            break;
          }
    g_assert_cmpint (x, >=, 0);
    g_signal_emit_by_name (grid, "query-tooltip", x, y, FALSE, tooltip, &shown);
    g_assert_true (shown);
    g_signal_emit_by_name (grid, "query-tooltip", 1, 1, FALSE, tooltip, &shown);
    g_assert_false (shown);
    g_object_unref (tooltip);
  }

  /* A realistic picture for the eye (kept only with BTL_WIDGETS_SHOTS). */
  for (int i = 0; i < n; i++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          float v = (float) (0.5 + 0.5 * sin ((x + 3 * i) / 4.0) * cos ((y - i) / 5.0));

          orig[(i * h + y) * w + x] = v;
          recon[(i * h + y) * w + x] = (float) CLAMP (v + 0.15 * sin (x * y / 30.0 + i), 0, 1);
        }
  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, recon, n, c, h, w);
  btl_image_grid_set_show_difference (BTL_IMAGE_GRID (grid), FALSE);
  wait_for_paint (window);
  shot_free (render_widget (grid, "grid-pattern"));
  btl_image_grid_set_show_difference (BTL_IMAGE_GRID (grid), TRUE);
  wait_for_paint (window);
  shot_free (render_widget (grid, "grid-pattern-difference"));

  /* Export: PNG only. */
  g_assert_true (btl_image_grid_export_png (BTL_IMAGE_GRID (grid), png, &error));
  g_assert_no_error (error);
  g_object_unref (load_png (png, 2 * gtk_widget_get_width (grid), 2 * gtk_widget_get_height (grid)));
  g_assert_false (btl_image_grid_export_png (BTL_IMAGE_GRID (grid), svg, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Bad shapes are refused without touching what is shown. */
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*channels*");
  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, recon, n, 2, h, w);
  g_test_assert_expected_messages ();
  g_assert_cmpint (btl_image_grid_get_n_images (BTL_IMAGE_GRID (grid)), ==, n);

  /* n = 0 clears. */
  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), NULL, NULL, 0, 0, 0, 0);
  g_assert_cmpint (btl_image_grid_get_n_images (BTL_IMAGE_GRID (grid)), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Fashion-MNIST's names under 24 test images, at the sizes the Train page
 * gives the grid (829×254 in a 1280×800 window, 564×254 at the 1015 px
 * minimum width) and between: every name shows whole, on one or two lines
 * broken between words, no wider than its column allows. */
static void
test_image_grid_labels (void)
{
  static const char *const names[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                       "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
  static const int sizes[][2] = { { 829, 254 }, { 564, 254 }, { 640, 254 }, { 720, 230 },
                                  { 900, 300 }, { 600, 280 }, { 564, 220 } };
  const int n = 24, h = 28, w = 28;
  g_autofree float *orig = g_new (float, n * h * w);
  g_autofree float *recon = g_new (float, n * h * w);
  const char *labels[25];
  GtkWidget *grid = g_object_ref_sink (btl_image_grid_new ());

  for (int i = 0; i < n * h * w; i++)
    orig[i] = recon[i] = 0.5f;
  for (int i = 0; i < n; i++)
    labels[i] = names[i % G_N_ELEMENTS (names)];
  labels[n] = NULL;
  btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, recon, n, 1, h, w);
  btl_image_grid_set_labels (BTL_IMAGE_GRID (grid), labels);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      GtkWidget *window = show_in_window (grid, sizes[s][0], sizes[s][1]);

      g_assert_cmpint (gtk_widget_get_width (grid), ==, sizes[s][0]);
      for (int i = 0; i < n; i++)
        {
          double width = 0, room = 0;
          g_autofree char *shown = btl_image_grid_dup_shown_label (BTL_IMAGE_GRID (grid), i,
                                                                   &width, &room);
          g_auto(GStrv) lines = g_strsplit (shown, "\n", -1);
          g_autofree char *joined = g_strjoinv ("", lines);
          g_autofree char *marked = g_strjoinv (" | ", lines);

          if (g_test_verbose ())
            g_test_message ("%d×%d: “%s” %.0f of %.0f px", sizes[s][0], sizes[s][1],
                            marked, width, room);
          g_assert_cmpstr (joined, ==, labels[i]);
          g_assert_cmpuint (g_strv_length (lines), <=, 2);
          g_assert_cmpfloat (width, >, 0);
          g_assert_cmpfloat (width, <=, room);
          /* Not crammed: at least the tiles' width (28 px images at 1.3× or more). */
          g_assert_cmpfloat (room, >=, 36);
        }
      /* At the default window size the longest name stays on one line. */
      if (s == 0)
        {
          g_autofree char *shown = btl_image_grid_dup_shown_label (BTL_IMAGE_GRID (grid), 0,
                                                                   NULL, NULL);

          g_assert_cmpstr (shown, ==, "T-shirt/top");
        }
      gtk_window_set_child (GTK_WINDOW (window), NULL);
      gtk_window_destroy (GTK_WINDOW (window));
    }

  /* A name that cannot fit is cut with "…", within its room. */
  {
    const char *odd[] = { "Averyveryveryverylongunbreakablename", NULL };
    GtkWidget *window;
    double width = 0, room = 0;
    g_autofree char *shown = NULL;

    btl_image_grid_set_images (BTL_IMAGE_GRID (grid), orig, recon, 24, 1, h, w);
    btl_image_grid_set_labels (BTL_IMAGE_GRID (grid), odd);
    window = show_in_window (grid, 564, 254);
    shown = btl_image_grid_dup_shown_label (BTL_IMAGE_GRID (grid), 0, &width, &room);
    g_assert_true (g_str_has_suffix (shown, "…"));
    g_assert_cmpfloat (width, <=, room);
    gtk_window_set_child (GTK_WINDOW (window), NULL);
    gtk_window_destroy (GTK_WINDOW (window));
  }
  g_object_unref (grid);
}

/* ---- scatter map ------------------------------------------------------- */

static void
on_int (GObject *object,
        int      value,
        int     *out)
{
  *out = value;
}

static void
on_position (GObject *object,
             double   x,
             double   y,
             double  *out)
{
  out[0] = x;
  out[1] = y;
  out[2] += 1;
}

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type)
{
  GListModel *list = gtk_widget_observe_controllers (widget);
  GtkEventController *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (list) && found == NULL; i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (list, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type))
        found = GTK_EVENT_CONTROLLER (c);
    }
  g_object_unref (list);
  g_assert_nonnull (found);
  return found;
}

static void
test_scatter_map (void)
{
  const int n = 301;
  static const char *const names[] = { "T-shirt/top", "Trouser", "Pullover", NULL };
  g_autofree float *xy = g_new (float, 2 * n);
  g_autofree guint8 *classes = g_new (guint8, n);
  GtkWidget *map = btl_scatter_map_new ();
  GtkWidget *window = show_in_window (map, 640, 480);
  GRand *rand = g_rand_new_with_seed (3);
  g_autoptr(Shot) empty = NULL, shot = NULL, marked = NULL;
  g_autofree char *png = tmp_path ("map.png");
  g_autofree char *svg = tmp_path ("map.svg");
  g_autoptr(GError) error = NULL;
  GtkEventController *drag;
  int hovered = -2, activated = -2;
  double position[3] = { 0, 0, 0 };
  double wx, wy, dx, dy;

  /* Three clusters and one lonely point (the last) far from them. */
  for (int i = 0; i < n - 1; i++)
    {
      int c = i % 3;

      classes[i] = (guint8) c;
      xy[2 * i] = (float) (c * 4 + g_rand_double_range (rand, -1, 1));
      xy[2 * i + 1] = (float) ((c == 1 ? 3 : 0) + g_rand_double_range (rand, -1, 1));
    }
  classes[n - 1] = 2;
  xy[2 * (n - 1)] = 12;
  xy[2 * (n - 1) + 1] = 6;
  g_rand_free (rand);

  empty = render_widget (map, "map-empty");
  g_assert_cmpint (btl_scatter_map_point_at (BTL_SCATTER_MAP (map), 100, 100), ==, -1);

  g_signal_connect (map, "point-hovered", G_CALLBACK (on_int), &hovered);
  g_signal_connect (map, "point-activated", G_CALLBACK (on_int), &activated);
  g_signal_connect (map, "position-dragged", G_CALLBACK (on_position), position);

  btl_scatter_map_set_points (BTL_SCATTER_MAP (map), xy, classes, n, names);
  btl_scatter_map_set_axis_labels (BTL_SCATTER_MAP (map), "PC 1", "PC 2");
  g_assert_cmpint (btl_scatter_map_get_n_points (BTL_SCATTER_MAP (map)), ==, n);
  wait_for_paint (window);
  shot = render_widget (map, "map-points");
  /* Each class in its own colour (blue, orange, green). */
  g_assert_cmpuint (count_all (shot, 0x0072B2, 30), >, 300);
  g_assert_cmpuint (count_all (shot, 0xE69F00, 30), >, 300);
  g_assert_cmpuint (count_all (shot, 0x009E73, 30), >, 300);

  /* The lonely point is found where the map says it is. */
  btl_scatter_map_data_to_widget (BTL_SCATTER_MAP (map), 12, 6, &wx, &wy);
  g_assert_cmpfloat (wx, >, 0);
  g_assert_cmpfloat (wx, <, gtk_widget_get_width (map));
  g_assert_cmpint (btl_scatter_map_point_at (BTL_SCATTER_MAP (map), wx + 2, wy - 2), ==, n - 1);
  g_assert_cmpuint (count_color (shot, (int) wx - 3, (int) wy - 3, (int) wx + 4, (int) wy + 4,
                                 0x009E73, 30), >, 4);
  btl_scatter_map_widget_to_data (BTL_SCATTER_MAP (map), wx, wy, &dx, &dy);
  g_assert_cmpfloat_with_epsilon (dx, 12, 1e-6);
  g_assert_cmpfloat_with_epsilon (dy, 6, 1e-6);

  /* Hover, then a click on it activates and selects it. */
  g_signal_emit_by_name (find_controller (map, GTK_TYPE_EVENT_CONTROLLER_MOTION), "motion", wx, wy);
  g_assert_cmpint (hovered, ==, n - 1);
  drag = find_controller (map, GTK_TYPE_GESTURE_DRAG);
  g_signal_emit_by_name (drag, "drag-begin", wx + 1, wy);
  g_signal_emit_by_name (drag, "drag-end", 0.0, 0.0);
  g_assert_cmpint (activated, ==, n - 1);
  g_assert_cmpint (btl_scatter_map_get_selected (BTL_SCATTER_MAP (map)), ==, n - 1);
  g_assert_cmpfloat (position[2], ==, 0);

  /* Dragging on empty space reports data coordinates and moves the marker. */
  btl_scatter_map_data_to_widget (BTL_SCATTER_MAP (map), 8, 5, &wx, &wy);
  g_assert_cmpint (btl_scatter_map_point_at (BTL_SCATTER_MAP (map), wx, wy), ==, -1);
  g_signal_emit_by_name (drag, "drag-begin", wx, wy);
  g_assert_cmpfloat (position[2], ==, 1);
  g_assert_cmpfloat_with_epsilon (position[0], 8, 1e-6);
  g_assert_cmpfloat_with_epsilon (position[1], 5, 1e-6);
  btl_scatter_map_data_to_widget (BTL_SCATTER_MAP (map), 9, 4, &dx, &dy);
  g_signal_emit_by_name (drag, "drag-update", dx - wx, dy - wy);
  g_signal_emit_by_name (drag, "drag-end", dx - wx, dy - wy);
  g_assert_cmpfloat (position[2], ==, 2);
  g_assert_cmpfloat_with_epsilon (position[0], 9, 1e-6);
  g_assert_cmpfloat_with_epsilon (position[1], 4, 1e-6);
  g_assert_cmpint (activated, ==, n - 1); /* no click */
  wait_for_paint (window);
  marked = render_widget (map, "map-marker");
  g_assert_cmpuint (count_different (shot, marked), >, 100);

  /* The marker moves on top of the map as it was drawn; the map itself is
   * drawn again for new axis labels. */
  {
    guint base = btl_scatter_map_get_n_base_draws (BTL_SCATTER_MAP (map));
    g_autoptr(Shot) moved = NULL, relabelled = NULL;

    btl_scatter_map_set_marker (BTL_SCATTER_MAP (map), 4, 1, TRUE);
    wait_for_paint (window);
    moved = render_widget (map, "map-marker-moved");
    g_assert_cmpuint (count_different (marked, moved), >, 50);
    g_assert_cmpuint (btl_scatter_map_get_n_base_draws (BTL_SCATTER_MAP (map)), ==, base);
    btl_scatter_map_set_axis_labels (BTL_SCATTER_MAP (map), "Dimension A", "Dimension B");
    wait_for_paint (window);
    relabelled = render_widget (map, "map-relabelled");
    g_assert_cmpuint (btl_scatter_map_get_n_base_draws (BTL_SCATTER_MAP (map)), ==, base + 1);
    g_assert_cmpuint (count_different (moved, relabelled), >, 50);
    btl_scatter_map_set_axis_labels (BTL_SCATTER_MAP (map), "PC 1", "PC 2");
    btl_scatter_map_set_marker (BTL_SCATTER_MAP (map), 8, 5, TRUE);
    wait_for_paint (window);
  }

  /* Leaving clears the hover. */
  g_signal_emit_by_name (find_controller (map, GTK_TYPE_EVENT_CONTROLLER_MOTION), "leave");
  g_assert_cmpint (hovered, ==, -1);

  g_assert_true (btl_scatter_map_export_png (BTL_SCATTER_MAP (map), png, &error));
  g_assert_no_error (error);
  g_object_unref (load_png (png, 2 * gtk_widget_get_width (map), 2 * gtk_widget_get_height (map)));
  g_assert_false (btl_scatter_map_export_png (BTL_SCATTER_MAP (map), svg, &error));
  g_assert_nonnull (error);

  /* Non-finite points and no classes: drawn without them, no crash. */
  xy[0] = NAN;
  xy[3] = INFINITY;
  btl_scatter_map_set_points (BTL_SCATTER_MAP (map), xy, NULL, n, NULL);
  g_assert_cmpint (btl_scatter_map_get_selected (BTL_SCATTER_MAP (map)), ==, n - 1);
  wait_for_paint (window);
  shot_free (render_widget (map, "map-no-classes"));
  btl_scatter_map_set_points (BTL_SCATTER_MAP (map), NULL, NULL, 0, NULL);
  g_assert_cmpint (btl_scatter_map_get_selected (BTL_SCATTER_MAP (map)), ==, -1);
  wait_for_paint (window);

  /* Ten classes of many points, for the eye. */
  {
    const int big = 5000;
    static const char *const fashion[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot", NULL };
    g_autofree float *pts = g_new (float, 2 * big);
    g_autofree guint8 *cls = g_new (guint8, big);
    GRand *r = g_rand_new_with_seed (5);

    for (int i = 0; i < big; i++)
      {
        int c = i % 10;
        double a = c * 2 * G_PI / 10;

        cls[i] = (guint8) c;
        pts[2 * i] = (float) (3 * cos (a) + 0.8 * g_rand_double_range (r, -1, 1) * g_rand_double (r));
        pts[2 * i + 1] = (float) (3 * sin (a) + 0.8 * g_rand_double_range (r, -1, 1) * g_rand_double (r));
      }
    g_rand_free (r);
    btl_scatter_map_set_points (BTL_SCATTER_MAP (map), pts, cls, big, fashion);
    btl_scatter_map_set_marker (BTL_SCATTER_MAP (map), 0.5, -0.5, TRUE);
    btl_scatter_map_set_selected (BTL_SCATTER_MAP (map), 7);
    wait_for_paint (window);
    shot_free (render_widget (map, "map-fashion"));
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- histogram --------------------------------------------------------- */

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              int        *count)
{
  (*count)++;
}

static void
test_histogram (void)
{
  const int n = 2000;
  g_autofree float *values = g_new (float, n + 2);
  GtkWidget *hist = btl_histogram_new ();
  GtkWidget *window = show_in_window (hist, 640, 320);
  GRand *rand = g_rand_new_with_seed (11);
  g_autoptr(Shot) empty = NULL, shot = NULL, none_above = NULL, log_shot = NULL;
  g_autofree char *png = tmp_path ("hist.png");
  g_autofree char *svg = tmp_path ("hist.svg");
  g_autoptr(GError) error = NULL;
  GtkEventController *drag;
  int notified = 0, expect = 0;
  double x, t;

  /* Mostly small errors with a long tail, plus two non-finite values. */
  for (int i = 0; i < n; i++)
    values[i] = (float) (0.004 + 0.01 * -log (1 - g_rand_double (rand)));
  values[n] = NAN;
  values[n + 1] = INFINITY;
  g_rand_free (rand);

  empty = render_widget (hist, "hist-empty");
  g_assert_cmpint (btl_histogram_get_n_bins (BTL_HISTOGRAM (hist)), ==, 0);

  btl_histogram_set_values (BTL_HISTOGRAM (hist), values, n + 2, 0);
  g_assert_cmpint (btl_histogram_get_n_bins (BTL_HISTOGRAM (hist)), >=, 10);
  g_assert_cmpint (btl_histogram_get_n_bins (BTL_HISTOGRAM (hist)), <=, 120);
  g_signal_connect (hist, "notify::threshold", G_CALLBACK (count_notify), &notified);
  g_object_set (hist, "threshold", 0.03, NULL);
  g_assert_cmpint (notified, ==, 1);
  for (int i = 0; i < n; i++)
    expect += values[i] > 0.03f;
  g_assert_cmpint (btl_histogram_get_n_above (BTL_HISTOGRAM (hist)), ==, expect);
  g_assert_cmpint (expect, >, 0);
  wait_for_paint (window);
  shot = render_widget (hist, "hist-threshold");
  /* Bars above the threshold in vermillion, the rest in neutral ink. */
  g_assert_cmpuint (count_all (shot, 0xD55E00, 30), >, 30);

  btl_histogram_set_threshold (BTL_HISTOGRAM (hist), 10.0);
  g_assert_cmpint (btl_histogram_get_n_above (BTL_HISTOGRAM (hist)), ==, 0);
  wait_for_paint (window);
  none_above = render_widget (hist, "hist-none-above");
  g_assert_cmpuint (count_all (none_above, 0xD55E00, 30), ==, 0);

  /* Dragging moves the threshold, notifying as it goes. */
  btl_histogram_set_threshold (BTL_HISTOGRAM (hist), 0.03);
  wait_for_paint (window);
  notified = 0;
  x = btl_histogram_value_to_widget (BTL_HISTOGRAM (hist), 0.02);
  drag = find_controller (hist, GTK_TYPE_GESTURE_DRAG);
  g_signal_emit_by_name (drag, "drag-begin", x, 100.0);
  t = btl_histogram_get_threshold (BTL_HISTOGRAM (hist));
  g_assert_cmpfloat (fabs (t - 0.02), <, 1e-3);
  g_signal_emit_by_name (drag, "drag-update",
                         btl_histogram_value_to_widget (BTL_HISTOGRAM (hist), 0.04) - x, 0.0);
  g_assert_cmpfloat (fabs (btl_histogram_get_threshold (BTL_HISTOGRAM (hist)) - 0.04), <, 1e-3);
  g_assert_cmpint (notified, ==, 2);
  expect = 0;
  for (int i = 0; i < n; i++)
    expect += values[i] > btl_histogram_get_threshold (BTL_HISTOGRAM (hist));
  g_assert_cmpint (btl_histogram_get_n_above (BTL_HISTOGRAM (hist)), ==, expect);

  /* The keyboard moves it by whole bins and to the ends. */
  {
    GtkEventController *key = find_controller (hist, GTK_TYPE_EVENT_CONTROLLER_KEY);
    double before = btl_histogram_get_threshold (BTL_HISTOGRAM (hist));
    gboolean handled = FALSE;

    g_assert_true (gtk_widget_get_focusable (hist));
    g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Right, 0, 0, &handled);
    g_assert_true (handled);
    g_assert_cmpfloat (btl_histogram_get_threshold (BTL_HISTOGRAM (hist)), >, before);
    g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Left, 0, 0, &handled);
    g_assert_cmpfloat_with_epsilon (btl_histogram_get_threshold (BTL_HISTOGRAM (hist)), before, 1e-9);
    g_signal_emit_by_name (key, "key-pressed", GDK_KEY_End, 0, 0, &handled);
    g_assert_cmpint (btl_histogram_get_n_above (BTL_HISTOGRAM (hist)), ==, 0);
    g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Home, 0, 0, &handled);
    g_assert_cmpint (btl_histogram_get_n_above (BTL_HISTOGRAM (hist)), ==, n - 1);
    g_signal_emit_by_name (key, "key-pressed", GDK_KEY_a, 0, 0, &handled);
    g_assert_false (handled);
    btl_histogram_set_threshold (BTL_HISTOGRAM (hist), before);
  }

  /* Log axis: rebinned in log space, drawn differently. */
  wait_for_paint (window);
  g_clear_pointer (&shot, shot_free);
  shot = render_widget (hist, "hist-linear");
  g_object_set (hist, "log-x", TRUE, NULL);
  g_assert_true (btl_histogram_get_log_x (BTL_HISTOGRAM (hist)));
  wait_for_paint (window);
  log_shot = render_widget (hist, "hist-log");
  g_assert_cmpuint (count_different (shot, log_shot), >, 1000);

  g_assert_true (btl_histogram_export (BTL_HISTOGRAM (hist), png, &error));
  g_assert_no_error (error);
  g_object_unref (load_png (png, 2 * gtk_widget_get_width (hist), 2 * gtk_widget_get_height (hist)));
  g_assert_true (btl_histogram_export (BTL_HISTOGRAM (hist), svg, &error));
  g_assert_no_error (error);
  assert_svg (svg);

  /* Explicit and absurd bin counts; all values equal; nothing usable on a log axis. */
  btl_histogram_set_values (BTL_HISTOGRAM (hist), values, n, 7);
  g_assert_cmpint (btl_histogram_get_n_bins (BTL_HISTOGRAM (hist)), ==, 7);
  btl_histogram_set_values (BTL_HISTOGRAM (hist), values, n, 100000);
  g_assert_cmpint (btl_histogram_get_n_bins (BTL_HISTOGRAM (hist)), ==, BTL_HISTOGRAM_MAX_BINS);
  for (int i = 0; i < n; i++)
    values[i] = 0.5f;
  btl_histogram_set_values (BTL_HISTOGRAM (hist), values, n, 0);
  g_assert_cmpint (btl_histogram_get_n_bins (BTL_HISTOGRAM (hist)), >, 0);
  wait_for_paint (window);
  for (int i = 0; i < n; i++)
    values[i] = -1.0f;
  btl_histogram_set_values (BTL_HISTOGRAM (hist), values, n, 0);
  g_assert_cmpint (btl_histogram_get_n_bins (BTL_HISTOGRAM (hist)), ==, 0);
  wait_for_paint (window);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- rate–distortion chart --------------------------------------------- */

static void
test_rd_chart (void)
{
  static const double ae_bpp[] = { 0.1, 0.2, 0.35, 0.5, 0.8, 1.2 };
  static const double ae_psnr[] = { 22.0, 24.5, 26.0, 27.1, 28.0, 28.4 };
  /* Deliberately out of order, with one non-finite point. */
  static const double jpeg_bpp[] = { 2.0, 1.5, 1.0, 0.75, 0.5, 0.35, NAN, 0.25 };
  static const double jpeg_psnr[] = { 33.0, 31.0, 28.5, 26.9, 24.0, 21.0, 30.0, 18.5 };
  static const double pca_bpp[] = { 0.2, 0.4, 0.8, 1.6 };
  static const double pca_psnr[] = { 19.0, 21.5, 24.0, 26.5 };
  GtkWidget *chart = btl_rd_chart_new ();
  GtkWidget *window = show_in_window (chart, 640, 420);
  g_autoptr(Shot) empty = NULL, shot = NULL, hovered = NULL;
  g_autofree char *png = tmp_path ("rd.png");
  g_autofree char *svg = tmp_path ("rd.svg");
  g_autofree char *csv = tmp_path ("rd.csv");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  int series, point;
  double wx, wy;

  empty = render_widget (chart, "rd-empty");
  g_assert_cmpuint (count_all (empty, 0x0072B2, 30), ==, 0);

  btl_rd_chart_set_metric_label (BTL_RD_CHART (chart), "PSNR (dB)");
  btl_rd_chart_add_series (BTL_RD_CHART (chart), "Autoencoder", ae_bpp, ae_psnr, 6);
  btl_rd_chart_add_series (BTL_RD_CHART (chart), "JPEG", jpeg_bpp, jpeg_psnr, 8);
  btl_rd_chart_add_series (BTL_RD_CHART (chart), "PCA, 8 bits", pca_bpp, pca_psnr, 4);
  btl_rd_chart_set_current_point (BTL_RD_CHART (chart), "Autoencoder", 0.5, 27.1);
  g_assert_cmpint (btl_rd_chart_get_n_series (BTL_RD_CHART (chart)), ==, 3);
  wait_for_paint (window);
  shot = render_widget (chart, "rd-chart");
  g_assert_cmpuint (count_all (shot, 0x0072B2, 30), >, 200);
  g_assert_cmpuint (count_all (shot, 0xE69F00, 30), >, 200);
  g_assert_cmpuint (count_all (shot, 0x009E73, 30), >, 150);

  /* JPEG's points were sorted by bpp: 0.25 bpp is its first point. */
  btl_rd_chart_data_to_widget (BTL_RD_CHART (chart), 0.25, 18.5, &wx, &wy);
  g_assert_true (btl_rd_chart_point_at (BTL_RD_CHART (chart), wx + 1, wy + 1, &series, &point));
  g_assert_cmpint (series, ==, 1);
  g_assert_cmpint (point, ==, 0);
  g_assert_cmpuint (count_color (shot, (int) wx - 3, (int) wy - 3, (int) wx + 4, (int) wy + 4,
                                 0xE69F00, 30), >, 6);
  g_assert_false (btl_rd_chart_point_at (BTL_RD_CHART (chart), 5, 5, &series, &point));
  g_assert_cmpint (series, ==, -1);

  /* Hover shows a readout. */
  g_signal_emit_by_name (find_controller (chart, GTK_TYPE_EVENT_CONTROLLER_MOTION), "motion", wx, wy);
  wait_for_paint (window);
  hovered = render_widget (chart, "rd-hover");
  g_assert_cmpuint (count_different (shot, hovered), >, 500);

  /* Same name replaces. */
  btl_rd_chart_add_series (BTL_RD_CHART (chart), "JPEG", jpeg_bpp, jpeg_psnr, 6);
  g_assert_cmpint (btl_rd_chart_get_n_series (BTL_RD_CHART (chart)), ==, 3);

  g_assert_true (btl_rd_chart_export (BTL_RD_CHART (chart), png, &error));
  g_assert_no_error (error);
  g_object_unref (load_png (png, 2 * gtk_widget_get_width (chart), 2 * gtk_widget_get_height (chart)));
  g_assert_true (btl_rd_chart_export (BTL_RD_CHART (chart), svg, &error));
  g_assert_no_error (error);
  assert_svg (svg);

  g_assert_true (btl_rd_chart_save_csv (BTL_RD_CHART (chart), csv, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &text, NULL, &error));
  lines = g_strsplit (text, "\n", -1);
  /* header + 6 + 6 (the replaced JPEG, NaN dropped) + 4 + final empty */
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 6 + 6 + 4 + 1);
  g_assert_cmpstr (lines[0], ==, "series,bpp,PSNR (dB)");
  g_assert_cmpstr (lines[1], ==, "Autoencoder,0.1,22");
  g_assert_cmpstr (lines[7], ==, "JPEG,0.35,21");
  g_assert_cmpstr (lines[13], ==, "\"PCA, 8 bits\",0.2,19");

  btl_rd_chart_clear (BTL_RD_CHART (chart));
  g_assert_cmpint (btl_rd_chart_get_n_series (BTL_RD_CHART (chart)), ==, 0);
  wait_for_paint (window);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- performance and accessibility -------------------------------------- */

static double
time_frame (GtkWidget *window,
            GtkWidget *widget)
{
  gint64 t0 = g_get_monotonic_time ();

  gtk_widget_queue_draw (widget);
  wait_for_paint (window);
  return (g_get_monotonic_time () - t0) / 1000.0;
}

/* Long runs stay cheap to draw: decimation keeps ~2 points per column. */
static void
test_many_points (void)
{
  g_autoptr(BtlLossHistory) h = make_history (200000, 2000, TRUE);
  GtkWidget *plot = btl_loss_plot_new ();
  GtkWidget *window = show_in_window (plot, 800, 400);
  GtkWidget *map;
  const int n = 10000;
  g_autofree float *xy = g_new (float, 2 * n);
  g_autofree guint8 *cls = g_new (guint8, n);
  double plot_ms = 1e9, map_first, map_cached = 1e9;

  btl_loss_plot_set_history (BTL_LOSS_PLOT (plot), h);
  wait_for_paint (window);
  for (int i = 0; i < 3; i++)
    plot_ms = MIN (plot_ms, time_frame (window, plot));
  g_test_message ("loss plot, 200 000 steps with KL: %.1f ms per frame", plot_ms);
  /* Only a guard against accidental O(n²): the test machine is shared and
   * its timings are noisy (typical: 20–40 ms on an idle core). */
  g_assert_cmpfloat (plot_ms, <, 1000);
  gtk_window_destroy (GTK_WINDOW (window));

  for (int i = 0; i < n; i++)
    {
      xy[2 * i] = (float) sin (i * 0.37) * (i % 10);
      xy[2 * i + 1] = (float) cos (i * 0.21) * (i % 7);
      cls[i] = (guint8) (i % 10);
    }
  map = btl_scatter_map_new ();
  window = show_in_window (map, 640, 480);
  btl_scatter_map_set_points (BTL_SCATTER_MAP (map), xy, cls, n, NULL);
  map_first = time_frame (window, map);
  for (int i = 0; i < 3; i++)
    {
      btl_scatter_map_set_marker (BTL_SCATTER_MAP (map), i * 0.1, 0, TRUE);
      map_cached = MIN (map_cached, time_frame (window, map));
    }
  g_test_message ("scatter map, 10 000 points: first frame %.1f ms, marker moves %.1f ms",
                  map_first, map_cached);
  g_assert_cmpfloat (map_cached, <, 1000);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_accessible (void)
{
  GtkWidget *widgets[] = {
    btl_loss_plot_new (), btl_image_grid_new (), btl_scatter_map_new (),
    btl_histogram_new (), btl_rd_chart_new (),
  };
  static const char *const labels[] = {
    "Loss plot", "Originals and reconstructions", "Latent map", "Error histogram",
    "Rate–distortion chart",
  };

  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
    {
      g_object_ref_sink (widgets[i]);
      gtk_test_accessible_assert_role (widgets[i], GTK_ACCESSIBLE_ROLE_IMG);
      gtk_test_accessible_assert_property (widgets[i], GTK_ACCESSIBLE_PROPERTY_LABEL, labels[i]);
      g_object_unref (widgets[i]);
    }
}

static void
remove_tmp_dir (void)
{
  g_autofree char *probe = tmp_path ("x");
  g_autofree char *dir = g_path_get_dirname (probe);
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  /* Keep the exports next to the shots when a human wants to look. */
  if (d == NULL || g_getenv ("BTL_WIDGETS_SHOTS") != NULL)
    {
      if (d != NULL)
        {
          g_printerr ("exports kept in %s\n", dir);
          g_dir_close (d);
        }
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  /* Pixel checks expect the light palette. */
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);

  g_test_add_func ("/widgets/chart/ticks", test_chart_ticks);
  g_test_add_func ("/widgets/loss-plot/draws", test_loss_plot_draws);
  g_test_add_func ("/widgets/loss-plot/export", test_loss_plot_export);
  g_test_add_func ("/widgets/loss-plot/live", test_loss_plot_live);
  g_test_add_func ("/widgets/loss-plot/hidden", test_loss_plot_hidden);
  g_test_add_func ("/widgets/loss-plot/accessible", test_loss_plot_accessible);
  g_test_add_func ("/widgets/image-grid", test_image_grid);
  g_test_add_func ("/widgets/image-grid-labels", test_image_grid_labels);
  g_test_add_func ("/widgets/image-grid-refresh", test_image_grid_refresh);
  g_test_add_func ("/widgets/image-grid-reserve", test_image_grid_reserve);
  g_test_add_func ("/widgets/frame-budget", test_frame_budget);
  g_test_add_func ("/widgets/dots", test_dots);
  g_test_add_func ("/widgets/render-cache", test_render_cache);
  g_test_add_func ("/widgets/progress-line", test_progress_line);
  g_test_add_func ("/widgets/scatter-map", test_scatter_map);
  g_test_add_func ("/widgets/histogram", test_histogram);
  g_test_add_func ("/widgets/rd-chart", test_rd_chart);
  g_test_add_func ("/widgets/many-points", test_many_points);
  g_test_add_func ("/widgets/accessible", test_accessible);

  ret = g_test_run ();
  remove_tmp_dir ();
  return ret;
}
