/* test-latent-page.c — the Latent and Inspect pages under Xvfb: a slider
 * changes the decoded image, a map click moves the sliders, a drag on the
 * map decodes through the inverse PCA, newer weights re-decode, exports
 * write PNG/CSV; the Inspect page's threshold drives the gallery and the
 * per-class counts. With BTL_SHOT_DIR set, screenshots of both pages are
 * written there. */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "btl-anomaly.h"
#include "btl-error.h"
#include "btl-image-grid.h"
#include "btl-inspect-page.h"
#include "btl-latent-page.h"
#include "btl-latent.h"
#include "btl-model-file.h"
#include "btl-tile-sheet.h"
#include "ui-test-util.h"

/* ------------------------------------------------------------ helpers */

static gboolean
is_mapped (gpointer w)
{
  return gtk_widget_get_mapped (GTK_WIDGET (w));
}

static gboolean
latent_ready (gpointer page)
{
  return btl_latent_page_is_ready (page);
}

static gboolean
inspect_ready (gpointer page)
{
  return btl_inspect_page_is_ready (page);
}

static gboolean
has_paintable (gpointer picture)
{
  return gtk_picture_get_paintable (picture) != NULL;
}

static void
on_after_paint (GdkFrameClock *clock,
                gboolean      *painted)
{
  *painted = TRUE;
}

static gboolean
is_true (gpointer p)
{
  return *(gboolean *) p;
}

/* Lets GTK lay out and paint one frame. */
static void
wait_for_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);
  gtk_widget_queue_draw (widget);
  g_assert_true (spin_until (is_true, &painted, 5000));
  g_signal_handler_disconnect (clock, id);
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("BTL_SHOT_DIR");
  g_autofree char *path = NULL;
  GdkPaintable *paintable;
  GtkSnapshot *snapshot;
  GskRenderNode *node;
  GskRenderer *renderer;
  GdkTexture *texture;
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  if (dir == NULL)
    return;
  wait_for_frame (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  renderer = gsk_cairo_renderer_new ();
  gsk_renderer_realize (renderer, NULL, NULL);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  g_object_unref (texture);
  gsk_renderer_unrealize (renderer);
  g_object_unref (renderer);
  gsk_render_node_unref (node);
  g_object_unref (paintable);
}

/* A small dense model on 1×28×28 images: 784 → 64 → latent. */
static NnModel *
make_model (const char *arch)
{
  NnConfig cfg;
  NnError nerr = { 0 };
  NnModel *model;

  nn_config_init_default (&cfg);
  g_assert_cmpint (nn_config_set (&cfg, "arch", arch, &nerr), ==, NN_OK);
  cfg.epochs = 1000;   /* the live test cancels; it must not finish first */
  model = nn_model_new (&cfg, &nerr);
  g_assert_nonnull (model);
  nn_model_init_params (model, 3);
  return model;
}

/* n labelled 28×28 images: a blob whose position and size depend on the
 * class, so codes spread and errors differ. */
static BtlDataset *
make_dataset (int n,
              int seed)
{
  g_autoptr(GError) error = NULL;
  BtlDataset *ds = btl_dataset_new ("toy", n, 1, 28, 28, 10, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  g_assert_no_error (error);
  for (int i = 0; i < n; i++)
    {
      int k = i % 10;
      double cx = 6 + 1.6 * k + g_rand_double_range (rand, -2, 2);
      double cy = 20 - 1.2 * k + g_rand_double_range (rand, -2, 2);
      double r = 3 + 0.5 * k;

      ds->labels[i] = (guint8) k;
      for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
          {
            double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);

            ds->images[(size_t) i * 784 + y * 28 + x] = (float) exp (-d2 / (2 * r * r));
          }
    }
  return ds;
}

static GtkWindow *
make_window (GtkWidget *child)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, 1280, 800);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  g_assert_true (spin_until (is_mapped, child, 5000));
  return window;
}

static gboolean
differs (const float *a,
         const float *b,
         int          n)
{
  for (int i = 0; i < n; i++)
    if (fabsf (a[i] - b[i]) > 1e-6f)
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------ Latent page */

static void
test_latent_page (void)
{
  NnModel *model = make_model ("784-64-8");
  g_autoptr(BtlDataset) test = make_dataset (600, 1);
  BtlLatentPage *page = BTL_LATENT_PAGE (btl_latent_page_new ());
  GtkWindow *window = make_window (GTK_WIDGET (page));
  g_autoptr(BtlLatentSpace) space = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *before = g_new (float, 784);
  g_autofree float *params = NULL;
  g_autofree char *dir = g_dir_make_tmp ("btl-latent-page-XXXXXX", NULL);
  g_autofree char *strip_path = g_build_filename (dir, "strip.png", NULL);
  g_autofree char *grid_path = g_build_filename (dir, "grid.png", NULL);
  g_autoptr(GdkPixbuf) strip = NULL;
  BtlScatterMap *map;
  GtkRange *slider;
  NnSnapshot *snap;
  float z_before[8], xy[2];
  double lo, hi, wx, wy, mean_us, max_us;
  guint count;
  int target = -1;

  btl_latent_page_set_model (page, model, test);
  /* The page copied what it needs: the model may go at once. */
  params = g_memdup2 (nn_model_params (model), nn_model_n_params (model) * sizeof (float));
  space = btl_latent_space_encode (model, NULL, NULL, test, 0, &error);
  g_assert_no_error (error);
  nn_model_free (model);

  g_assert_true (spin_until (latent_ready, page, 20000));
  g_assert_cmpint (btl_latent_page_get_latent_dim (page), ==, 8);
  wait_for_frame (GTK_WIDGET (page));

  /* The sliders start at test image 0's code. */
  for (int d = 0; d < 8; d++)
    {
      slider = btl_latent_page_get_slider (page, d);
      g_assert_nonnull (slider);
      g_assert_cmpfloat_with_epsilon (gtk_range_get_value (slider), space->codes[d], 1e-4);
    }

  /* The wheel scrolls the slider list until a slider is chosen (scrolling
   * the list moved the sliders under the pointer): a capture-phase scroll
   * controller before the slider's own. */
  g_assert_true (has_capture_scroll (GTK_WIDGET (btl_latent_page_get_slider (page, 0))));

  /* Moving a slider decodes a different image, and quickly. */
  memcpy (before, btl_latent_page_get_decoded (page), 784 * sizeof (float));
  slider = btl_latent_page_get_slider (page, space->order[0]);
  lo = gtk_adjustment_get_lower (gtk_range_get_adjustment (slider));
  hi = gtk_adjustment_get_upper (gtk_range_get_adjustment (slider));
  gtk_range_set_value (slider, lo + 0.9 * (hi - lo));
  g_assert_cmpfloat_with_epsilon (btl_latent_page_get_code (page)[space->order[0]],
                                  lo + 0.9 * (hi - lo), 1e-4);
  g_assert_true (differs (before, btl_latent_page_get_decoded (page), 784));
  for (int i = 0; i < 50; i++)
    gtk_range_set_value (slider, lo + (hi - lo) * (i % 10) / 10.0);
  btl_latent_page_get_decode_timing (page, &mean_us, &max_us, &count);
  g_test_message ("slider → new texture: mean %.0f µs, worst %.0f µs over %u decodes",
                  mean_us, max_us, count);
  g_assert_cmpuint (count, >=, 50);
  g_assert_cmpfloat (mean_us, <, 50000.0);  /* 5 ms is the target; this only catches blocking */

  /* A click on a map point selects that image and moves the sliders to its code. */
  map = btl_latent_page_get_map (page);
  wait_for_frame (GTK_WIDGET (map));
  for (int i = 1; i < space->n && target < 0; i++)
    {
      btl_scatter_map_data_to_widget (map, space->map_xy[2 * i], space->map_xy[2 * i + 1],
                                      &wx, &wy);
      if (btl_scatter_map_point_at (map, wx, wy) == i)
        target = i;
    }
  g_assert_cmpint (target, >, 0);
  memcpy (z_before, btl_latent_page_get_code (page), sizeof z_before);
  g_signal_emit_by_name (map, "point-activated", target);
  g_assert_cmpint (btl_scatter_map_get_selected (map), ==, target);
  g_assert_true (differs (z_before, btl_latent_page_get_code (page), 8));
  for (int d = 0; d < 8; d++)
    g_assert_cmpfloat_with_epsilon (gtk_range_get_value (btl_latent_page_get_slider (page, d)),
                                    space->codes[target * 8 + d], 1e-4);

  /* Dragging on the map decodes that point: the code is the inverse PCA of
   * the position, and it maps back onto it. */
  memcpy (before, btl_latent_page_get_decoded (page), 784 * sizeof (float));
  g_signal_emit_by_name (map, "position-dragged", (double) space->map_xy[0] + 0.5,
                         (double) space->map_xy[1] - 0.25);
  btl_latent_space_to_map (space, btl_latent_page_get_code (page), xy);
  g_assert_cmpfloat_with_epsilon (xy[0], space->map_xy[0] + 0.5, 1e-3);
  g_assert_cmpfloat_with_epsilon (xy[1], space->map_xy[1] - 0.25, 1e-3);
  g_assert_true (differs (before, btl_latent_page_get_decoded (page), 784));

  /* Newer weights (as a trainer publishes them) re-decode the same code. */
  memcpy (before, btl_latent_page_get_decoded (page), 784 * sizeof (float));
  {
    NnModel *m2 = make_model ("784-64-8");

    for (size_t i = 0; i < nn_model_n_params (m2); i++)
      nn_model_params (m2)[i] = params[i] * 1.5f;
    snap = nn_snapshot_new_from_model (m2, 100, 1);
    nn_model_free (m2);
  }
  btl_latent_page_set_snapshot (page, snap);
  nn_snapshot_unref (snap);
  g_assert_true (differs (before, btl_latent_page_get_decoded (page), 784));

  /* The traversal grid is drawn when its tab is shown. */
  {
    GObject *notebook = gtk_widget_get_template_child (GTK_WIDGET (page), BTL_TYPE_LATENT_PAGE,
                                                       "tools_notebook");
    GObject *grid = gtk_widget_get_template_child (GTK_WIDGET (page), BTL_TYPE_LATENT_PAGE,
                                                   "trav_picture");
    BtlTileSheet *sheet;
    int cols, rows;
    double scale;

    g_assert_null (gtk_picture_get_paintable (GTK_PICTURE (grid)));
    gtk_notebook_set_current_page (GTK_NOTEBOOK (notebook), 1);
    g_assert_true (spin_until (has_paintable, grid, 5000));

    /* The traversal keeps its columns (one latent dimension across) and
     * grows by whole multiples to fill its area. */
    sheet = BTL_TILE_SHEET (gtk_picture_get_paintable (GTK_PICTURE (grid)));
    btl_tile_sheet_get_layout (sheet, 470, 370, &cols, &rows, &scale);
    g_assert_cmpint (cols * rows, >=, btl_tile_sheet_get_n_images (sheet));
    g_assert_cmpint (cols, ==, rows);
    g_assert_cmpfloat (scale, >, 1.0);
    g_assert_cmpfloat (scale * 28 * cols, <=, 470);
  }

  /* Exports: a strip of steps + 2 tiles, a grid of size² tiles. */
  g_assert_true (btl_latent_page_export_interpolation (page, strip_path, &error));
  g_assert_no_error (error);
  strip = gdk_pixbuf_new_from_file (strip_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (btl_latent_page_get_n_strip (page), ==, 12);
  g_assert_cmpint (gdk_pixbuf_get_width (strip), ==, 12 * 28 * 4 + 13 * 2);

  /* On screen, the strip of 12 wraps into rows in a tall area, at a whole
   * scale (35 px tiles in one row before), and stays one row in a wide one. */
  {
    GObject *strip_picture = gtk_widget_get_template_child (GTK_WIDGET (page),
                                                            BTL_TYPE_LATENT_PAGE,
                                                            "interp_picture");
    BtlTileSheet *sheet;
    int cols, rows;
    double scale;

    sheet = BTL_TILE_SHEET (gtk_picture_get_paintable (GTK_PICTURE (strip_picture)));
    g_assert_cmpint (btl_tile_sheet_get_n_images (sheet), ==, 12);
    btl_tile_sheet_get_layout (sheet, 470, 370, &cols, &rows, &scale);
    g_assert_cmpint (rows, >, 1);
    g_assert_cmpint (cols * rows, >=, 12);
    g_assert_cmpfloat (scale, ==, 4);
    g_assert_cmpfloat (cols * 28 * scale + (cols - 1) * BTL_TILE_SHEET_GAP, <=, 470);
    g_assert_cmpfloat (rows * 28 * scale + (rows - 1) * BTL_TILE_SHEET_GAP, <=, 370);
    btl_tile_sheet_get_layout (sheet, 1400, 60, &cols, &rows, &scale);
    g_assert_cmpint (rows, ==, 1);
  }

  g_assert_true (btl_latent_page_export_traversal (page, grid_path, &error));
  g_assert_no_error (error);
  g_assert_false (btl_latent_page_export_traversal (page, "/nonexistent/dir/g.png", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* A broken picture is a message in the page, not a crash. */
  g_assert_true (g_file_set_contents (grid_path, "not a picture", -1, NULL));
  g_assert_false (btl_latent_page_open_start_image (page, grid_path, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (btl_latent_page_open_start_image (page, strip_path, &error));
  g_assert_no_error (error);

  save_screenshot (GTK_WIDGET (window), "latent-page.png");

  /* No model: an empty, insensitive page, and exports say why they fail. */
  btl_latent_page_set_model (page, NULL, NULL);
  g_assert_cmpint (btl_latent_page_get_latent_dim (page), ==, 0);
  g_assert_null (btl_latent_page_get_slider (page, 0));
  g_assert_false (btl_latent_page_is_ready (page));
  g_assert_false (btl_latent_page_export_traversal (page, grid_path, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);

  g_unlink (strip_path);
  g_unlink (grid_path);
  g_rmdir (dir);
  gtk_window_destroy (window);
}

/* Codes wider than 32: the widest 32 dimensions get sliders, the rest on demand. */
static void
test_latent_page_wide_code (void)
{
  NnModel *model = make_model ("784-64-40");
  g_autoptr(BtlDataset) test = make_dataset (200, 2);
  BtlLatentPage *page = BTL_LATENT_PAGE (btl_latent_page_new ());
  GtkWindow *window = make_window (GTK_WIDGET (page));
  g_autoptr(BtlLatentSpace) space = btl_latent_space_encode (model, NULL, NULL, test, 0, NULL);
  int shown = 0;

  btl_latent_page_set_model (page, model, test);
  nn_model_free (model);
  g_assert_true (spin_until (latent_ready, page, 20000));
  for (int d = 0; d < 40; d++)
    shown += btl_latent_page_get_slider (page, d) != NULL;
  g_assert_cmpint (shown, ==, BTL_LATENT_PAGE_MAX_SLIDERS);
  for (int r = 0; r < BTL_LATENT_PAGE_MAX_SLIDERS; r++)
    g_assert_nonnull (btl_latent_page_get_slider (page, space->order[r]));
  gtk_window_destroy (window);
}

/* A code that is 0 for every image (dead ReLUs: here all weights are 0):
 * the map says there is no variance, not "100 % of the variance". */
static void
test_latent_page_dead_code (void)
{
  NnModel *model = make_model ("784-64-8");
  g_autoptr(BtlDataset) test = make_dataset (200, 3);
  BtlLatentPage *page = BTL_LATENT_PAGE (btl_latent_page_new ());
  GtkWindow *window = make_window (GTK_WIDGET (page));
  GtkLabel *label = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (page), BTL_TYPE_LATENT_PAGE, "map_label"));
  const char *text;

  memset (nn_model_params (model), 0, nn_model_n_params (model) * sizeof (float));
  btl_latent_page_set_model (page, model, test);
  nn_model_free (model);
  g_assert_true (spin_until (latent_ready, page, 20000));
  text = gtk_label_get_text (label);
  g_test_message ("map: %s", text);
  g_assert_null (strstr (text, "%"));
  g_assert_nonnull (strstr (text, "All 200 test codes are 0"));
  g_assert_nonnull (strstr (text, "no variance"));
  save_screenshot (GTK_WIDGET (page), "latent-dead-code.png");
  gtk_window_destroy (window);
}

/* ------------------------------------------------------------ Inspect page */

static void
test_inspect_page (void)
{
  NnModel *model = make_model ("784-64-8");
  g_autoptr(BtlDataset) train = make_dataset (1500, 3);
  g_autoptr(BtlDataset) test = make_dataset (500, 4);
  g_autoptr(BtlAnomalyScores) train_scores = NULL;
  g_autoptr(BtlAnomalyScores) test_scores = NULL;
  g_autoptr(GError) error = NULL;
  BtlInspectPage *page = BTL_INSPECT_PAGE (btl_inspect_page_new ());
  GtkWindow *window = make_window (GTK_WIDGET (page));
  g_autofree char *dir = g_dir_make_tmp ("btl-inspect-page-XXXXXX", NULL);
  g_autofree char *csv_path = g_build_filename (dir, "flagged.csv", NULL);
  g_autofree char *png_path = g_build_filename (dir, "own.png", NULL);
  g_autofree char *csv = NULL;
  g_autoptr(GdkPixbuf) own = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 40, 40);
  BtlHistogram *hist;
  GtkWidget *gallery;
  double threshold, own_error = NAN;
  int sum_flagged = 0, flagged, total, expected;

  train_scores = btl_anomaly_scores_new (model, NULL, NULL, train, 0, &error);
  test_scores = btl_anomaly_scores_new (model, NULL, NULL, test, 0, &error);
  g_assert_no_error (error);
  btl_inspect_page_set_model (page, model, train, test);
  nn_model_free (model);
  g_assert_true (spin_until (inspect_ready, page, 20000));

  /* Default threshold: the 99th percentile of the training errors. */
  threshold = btl_anomaly_scores_percentile (train_scores, 99.0);
  g_assert_cmpfloat_with_epsilon (btl_inspect_page_get_threshold (page), threshold, 1e-9);
  g_assert_cmpfloat_with_epsilon (btl_inspect_page_get_default_threshold (page), threshold, 1e-9);
  g_assert_cmpint (btl_inspect_page_get_n_scored (page), ==, 500);
  expected = btl_anomaly_scores_count_above (test_scores, threshold);
  g_assert_cmpint (btl_inspect_page_get_n_flagged (page), ==, expected);
  gallery = btl_inspect_page_get_gallery (page);
  g_assert_cmpint (btl_image_grid_get_n_images (BTL_IMAGE_GRID (gallery)), ==,
                   MIN (expected, BTL_INSPECT_PAGE_GALLERY_MAX));

  /* Dragging the threshold down to the median flags half the test set: the
   * histogram's "threshold" property is what its drag gesture sets. */
  hist = btl_inspect_page_get_histogram (page);
  threshold = btl_anomaly_scores_percentile (test_scores, 50.0);
  g_object_set (hist, "threshold", threshold, NULL);
  g_assert_true (spin_until (inspect_ready, page, 5000));
  expected = btl_anomaly_scores_count_above (test_scores, threshold);
  g_assert_cmpint (expected, >=, 240);
  g_assert_cmpint (btl_inspect_page_get_n_flagged (page), ==, expected);
  g_assert_cmpint (btl_image_grid_get_n_images (BTL_IMAGE_GRID (gallery)), ==,
                   BTL_INSPECT_PAGE_GALLERY_MAX);
  for (int k = 0; k < 10; k++)
    {
      g_assert_true (btl_inspect_page_get_class_flagged (page, k, &flagged, &total));
      g_assert_cmpint (total, ==, 50);
      sum_flagged += flagged;
    }
  g_assert_cmpint (sum_flagged, ==, expected);

  /* The flagged list as CSV: a header and one row per flagged image. */
  g_assert_true (btl_inspect_page_export_csv (page, csv_path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  {
    g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);

    g_assert_cmpint (g_strv_length (lines), ==, expected + 2);
  }

  /* Up above every error: nothing flagged, an empty gallery. */
  g_object_set (hist, "threshold", test_scores->errors[test_scores->by_error[0]] * 1.01, NULL);
  g_assert_true (spin_until (inspect_ready, page, 5000));
  g_assert_cmpint (btl_inspect_page_get_n_flagged (page), ==, 0);
  g_assert_cmpint (btl_image_grid_get_n_images (BTL_IMAGE_GRID (gallery)), ==, 0);

  /* Reset goes back to the training percentile. */
  btl_inspect_page_set_threshold (page, btl_inspect_page_get_default_threshold (page));
  g_assert_cmpfloat_with_epsilon (btl_inspect_page_get_threshold (page),
                                  btl_anomaly_scores_percentile (train_scores, 99.0), 1e-9);

  /* One's own picture gets an error; a broken one a message. */
  gdk_pixbuf_fill (own, 0x808080ff);
  g_assert_true (gdk_pixbuf_save (own, png_path, "png", &error, NULL));
  g_assert_true (btl_inspect_page_score_image (page, png_path, &own_error, &error));
  g_assert_no_error (error);
  g_assert_true (isfinite (own_error) && own_error > 0.0);
  g_assert_false (btl_inspect_page_score_image (page, csv_path, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_object_set (hist, "threshold", btl_anomaly_scores_percentile (test_scores, 90.0), NULL);
  g_assert_true (spin_until (inspect_ready, page, 5000));
  save_screenshot (GTK_WIDGET (window), "inspect-page.png");

  /* No model: nothing scored, CSV export says why. */
  btl_inspect_page_set_model (page, NULL, NULL, NULL);
  g_assert_false (btl_inspect_page_is_ready (page));
  g_assert_cmpint (btl_inspect_page_get_n_scored (page), ==, 0);
  g_assert_false (btl_inspect_page_export_csv (page, csv_path, &error));
  g_assert_error (error, BTL_ERROR, BTL_ERROR_INVALID);
  g_clear_error (&error);

  g_unlink (csv_path);
  g_unlink (png_path);
  g_rmdir (dir);
  gtk_window_destroy (window);
}

/* The default dense model (784-512-128-32): slider change → new texture,
 * and slider change → frame painted, the number the issue bounds. */
static void
test_latent_page_decode_latency (void)
{
  NnModel *model = make_model ("784-512-128-32");
  g_autoptr(BtlDataset) test = make_dataset (300, 5);
  BtlLatentPage *page = BTL_LATENT_PAGE (btl_latent_page_new ());
  GtkWindow *window = make_window (GTK_WIDGET (page));
  GtkRange *slider;
  double mean_us, max_us, lo, hi, paint_sum = 0.0, paint_max = 0.0;
  guint count;
  int n_paint = 20;

  btl_latent_page_set_model (page, model, test);
  nn_model_free (model);
  g_assert_true (spin_until (latent_ready, page, 20000));
  wait_for_frame (GTK_WIDGET (page));
  slider = btl_latent_page_get_slider (page, 0);
  lo = gtk_adjustment_get_lower (gtk_range_get_adjustment (slider));
  hi = gtk_adjustment_get_upper (gtk_range_get_adjustment (slider));
  for (int i = 0; i < 200; i++)
    gtk_range_set_value (slider, lo + (hi - lo) * (i % 17) / 17.0);
  btl_latent_page_get_decode_timing (page, &mean_us, &max_us, &count);

  for (int i = 0; i < n_paint; i++)
    {
      gint64 t0 = g_get_monotonic_time (), dt;

      gtk_range_set_value (slider, lo + (hi - lo) * (i % 5) / 5.0 + 0.01);
      wait_for_frame (GTK_WIDGET (page));
      dt = g_get_monotonic_time () - t0;
      paint_sum += (double) dt;
      paint_max = MAX (paint_max, (double) dt);
    }
  g_test_message ("default dense model: slider → texture mean %.0f µs, worst %.0f µs (%u); "
                  "slider → frame painted mean %.1f ms, worst %.1f ms (%d)",
                  mean_us, max_us, count, paint_sum / n_paint / 1000.0, paint_max / 1000.0,
                  n_paint);
  g_assert_cmpfloat (mean_us, <, 50000.0);
  gtk_window_destroy (window);
}

typedef struct
{
  NnTrainer *trainer;
  NnStatus   status;
} TrainRun;

static gpointer
train_thread (gpointer data)
{
  TrainRun *run = data;
  NnError nerr = { 0 };

  run->status = nn_trainer_run (run->trainer, NULL, NULL, &nerr);
  return NULL;
}

typedef struct
{
  NnModel        *model;
  NnTrainer      *trainer;
  BtlLatentPage  *latent;
  BtlInspectPage *inspect;
  BtlDataset     *train;
  BtlDataset     *test;
  float           last[784];
  int             follows;
  int             changes;
  gint64          worst_follow_us;   /* after the first, which builds the pages */
  gint64          last_step;
} LiveData;

/* What the window does with the Train page's "snapshot" signal. */
static gboolean
live_tick (gpointer data)
{
  LiveData *ld = data;
  NnSnapshot *snap = nn_trainer_dup_snapshot (ld->trainer);
  gint64 t0;

  if (snap == NULL || snap->step == ld->last_step)
    {
      g_clear_pointer (&snap, nn_snapshot_unref);
      return G_SOURCE_CONTINUE;
    }
  ld->last_step = snap->step;
  t0 = g_get_monotonic_time ();
  btl_latent_page_follow (ld->latent, ld->model, snap, ld->test);
  btl_inspect_page_follow (ld->inspect, ld->model, snap, ld->train, ld->test);
  if (ld->follows > 0)
    ld->worst_follow_us = MAX (ld->worst_follow_us, g_get_monotonic_time () - t0);
  nn_snapshot_unref (snap);
  ld->follows++;
  if (ld->follows > 1 && differs (ld->last, btl_latent_page_get_decoded (ld->latent), 784))
    ld->changes++;
  memcpy (ld->last, btl_latent_page_get_decoded (ld->latent), sizeof ld->last);
  return G_SOURCE_CONTINUE;
}

/* Live during training: both pages follow the trainer's snapshots while it
 * runs in its own thread; the decoded image changes with the weights, the
 * sliders keep working, and the main loop is never held up. */
static void
test_pages_live_training (void)
{
  LiveData ld = { 0 };
  TrainRun run = { 0 };
  g_autoptr(BtlDataset) train = make_dataset (1000, 6);
  g_autoptr(BtlDataset) test = make_dataset (300, 7);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWindow *window;
  NnError nerr = { 0 };
  GThread *thread;
  guint tick;
  gint64 t_end, last_iter, worst_gap = 0;
  double mean_us;
  guint count;

  ld.model = make_model ("784-64-8");
  ld.latent = BTL_LATENT_PAGE (btl_latent_page_new ());
  ld.inspect = BTL_INSPECT_PAGE (btl_inspect_page_new ());
  ld.train = train;
  ld.test = test;
  ld.last_step = -1;
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (ld.latent));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (ld.inspect));
  window = make_window (box);

  ld.trainer = nn_trainer_new (ld.model, train->images, train->n, &nerr);
  g_assert_nonnull (ld.trainer);
  nn_trainer_set_snapshot_interval (ld.trainer, 20);
  run.trainer = ld.trainer;
  thread = g_thread_new ("trainer", train_thread, &run);
  tick = g_timeout_add (50, live_tick, &ld);

  t_end = g_get_monotonic_time () + 1500 * 1000;
  last_iter = g_get_monotonic_time ();
  while (g_get_monotonic_time () < t_end)
    {
      gint64 now;
      GtkRange *slider;

      g_main_context_iteration (NULL, FALSE);
      now = g_get_monotonic_time ();
      worst_gap = MAX (worst_gap, now - last_iter);
      last_iter = now;
      slider = btl_latent_page_get_slider (ld.latent, 1);
      if (slider != NULL && (now / 1000) % 100 == 0)
        gtk_range_set_value (slider, gtk_range_get_value (slider) + 0.01);
      g_usleep (1000);
    }
  g_source_remove (tick);
  nn_trainer_cancel (ld.trainer);
  g_thread_join (thread);
  g_assert_cmpint (run.status, ==, NN_ERR_CANCELLED);

  btl_latent_page_get_decode_timing (ld.latent, &mean_us, NULL, &count);
  g_test_message ("live: %d snapshots followed (worst %.1f ms), decoded image changed %d "
                  "times, longest main-loop iteration %.1f ms, decode mean %.0f µs over %u",
                  ld.follows, ld.worst_follow_us / 1000.0, ld.changes, worst_gap / 1000.0,
                  mean_us, count);
  g_assert_cmpint (ld.follows, >=, 5);
  g_assert_cmpint (ld.changes, >=, 3);
  /* Taking new weights is a decode and a few widgets (encoding and scoring
   * run in threads); the bound leaves room for a loaded machine. The main
   * loop's longest turn is mostly software painting under Xvfb: only a
   * hang fails it. */
  g_assert_cmpint (ld.worst_follow_us, <, 100 * 1000);
  g_assert_cmpint (worst_gap, <, 3 * G_USEC_PER_SEC);
  g_assert_true (spin_until (latent_ready, ld.latent, 20000));
  g_assert_true (spin_until (inspect_ready, ld.inspect, 20000));
  g_assert_cmpint (btl_inspect_page_get_n_scored (ld.inspect), ==, 300);

  gtk_window_destroy (window);
  nn_trainer_free (ld.trainer);
  nn_model_free (ld.model);
}

/* With BTL_SHOT_MODEL (a .btl file) and BTL_SHOT_DIR set: both pages on
 * the real data set, for looking at. Skipped otherwise. */
static void
test_pages_real_screenshots (void)
{
  const char *path = g_getenv ("BTL_SHOT_MODEL");
  g_auto(BtlModelInfo) info = BTL_MODEL_INFO_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtlDataset) train = NULL;
  g_autoptr(BtlDataset) test = NULL;
  BtlLatentPage *latent;
  BtlInspectPage *inspect;
  GtkWindow *window;
  NnModel *model;

  if (path == NULL || g_getenv ("BTL_SHOT_DIR") == NULL)
    {
      g_test_skip ("set BTL_SHOT_MODEL and BTL_SHOT_DIR");
      return;
    }
  model = btl_model_file_load (path, NULL, &info, &error);
  g_assert_no_error (error);
  g_assert_true (btl_dataset_open ("fashion-mnist", &train, &test, &error));

  latent = BTL_LATENT_PAGE (btl_latent_page_new ());
  window = make_window (GTK_WIDGET (latent));
  btl_latent_page_set_model (latent, model, test);
  g_assert_true (spin_until (latent_ready, latent, 60000));
  btl_latent_page_select_image (latent, 1);
  g_signal_emit_by_name (btl_latent_page_get_map (latent), "point-hovered", 7);
  gtk_range_set_value (btl_latent_page_get_slider (latent, 0),
                       gtk_range_get_value (btl_latent_page_get_slider (latent, 0)) + 1.0);
  save_screenshot (GTK_WIDGET (window), "latent-page-real.png");
  gtk_notebook_set_current_page (GTK_NOTEBOOK (gtk_widget_get_template_child (
                                   GTK_WIDGET (latent), BTL_TYPE_LATENT_PAGE, "tools_notebook")), 1);
  g_assert_true (spin_until (has_paintable, gtk_widget_get_template_child (
                               GTK_WIDGET (latent), BTL_TYPE_LATENT_PAGE, "trav_picture"), 5000));
  save_screenshot (GTK_WIDGET (window), "latent-page-real-traversal.png");
  gtk_window_destroy (window);

  inspect = BTL_INSPECT_PAGE (btl_inspect_page_new ());
  window = make_window (GTK_WIDGET (inspect));
  btl_inspect_page_set_model (inspect, model, train, test);
  g_assert_true (spin_until (inspect_ready, inspect, 60000));
  save_screenshot (GTK_WIDGET (window), "inspect-page-real.png");
  gtk_window_destroy (window);
  nn_model_free (model);
}

/* Pages the person is not looking at take no work from the window: while
 * hidden in a stack, following the trainer's snapshots decodes and scores
 * nothing; shown, they catch up with the newest weights at once. */
typedef struct
{
  BtlLatentPage *page;
  float          before[784];
} DecodedWatch;

static gboolean
decoded_changed (gpointer data)
{
  DecodedWatch *w = data;

  return differs (w->before, btl_latent_page_get_decoded (w->page), 784);
}

static gboolean
is_true_once (gpointer p)
{
  *(gboolean *) p = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_pages_hidden_follow (void)
{
  g_autoptr(BtlDataset) train = make_dataset (200, 6);
  g_autoptr(BtlDataset) test = make_dataset (100, 7);
  NnModel *model = make_model ("784-64-8");
  GtkWidget *stack = gtk_stack_new ();
  GtkWidget *other = gtk_label_new ("Train");
  BtlLatentPage *latent = BTL_LATENT_PAGE (btl_latent_page_new ());
  BtlInspectPage *inspect = BTL_INSPECT_PAGE (btl_inspect_page_new ());
  float first[784];
  GtkWindow *window;

  gtk_stack_add_named (GTK_STACK (stack), other, "train");
  gtk_stack_add_named (GTK_STACK (stack), GTK_WIDGET (latent), "latent");
  gtk_stack_add_named (GTK_STACK (stack), GTK_WIDGET (inspect), "inspect");
  gtk_stack_set_visible_child (GTK_STACK (stack), other);
  window = make_window (stack);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (latent)));

  for (int round = 0; round < 3; round++)
    {
      NnSnapshot *snap;

      for (size_t i = 0; i < nn_model_n_params (model); i++)
        nn_model_params (model)[i] *= 1.1f;
      snap = nn_snapshot_new_from_model (model, 10 * (round + 1), 0);
      btl_latent_page_follow (latent, model, snap, test);
      btl_inspect_page_follow (inspect, model, snap, train, test);
      nn_snapshot_unref (snap);
    }
  /* Nothing was built for the hidden pages. */
  g_assert_null (btl_latent_page_get_decoded (latent));
  g_assert_cmpint (btl_inspect_page_get_n_scored (inspect), ==, 0);

  /* Shown: the newest weights (the third round's) are decoded. */
  gtk_stack_set_visible_child (GTK_STACK (stack), GTK_WIDGET (latent));
  g_assert_true (spin_until (is_mapped, latent, 5000));
  g_assert_nonnull (btl_latent_page_get_decoded (latent));
  memcpy (first, btl_latent_page_get_decoded (latent), sizeof first);
  {
    /* The same weights followed while shown change nothing. */
    NnSnapshot *snap = nn_snapshot_new_from_model (model, 30, 0);

    btl_latent_page_set_snapshot (latent, snap);
    nn_snapshot_unref (snap);
  }
  g_assert_false (differs (first, btl_latent_page_get_decoded (latent), 784));
  g_assert_true (spin_until (latent_ready, latent, 20000));

  /* Shown while a model trains: new weights are taken up at once, those
   * that come within a second of them a second after. */
  {
    DecodedWatch w = { latent };
    gboolean waited = FALSE;
    gint64 t0;

    g_timeout_add (1100, is_true_once, &waited);
    g_assert_true (spin_until (is_true, &waited, 5000));
    for (int round = 0; round < 2; round++)
      {
        NnSnapshot *snap;

        for (size_t i = 0; i < nn_model_n_params (model); i++)
          nn_model_params (model)[i] *= 1.1f;
        snap = nn_snapshot_new_from_model (model, 40 + round, 0);
        memcpy (w.before, btl_latent_page_get_decoded (latent), sizeof w.before);
        btl_latent_page_follow (latent, model, snap, test);
        nn_snapshot_unref (snap);
        if (round == 0)
          g_assert_true (differs (w.before, btl_latent_page_get_decoded (latent), 784));
        else
          g_assert_false (differs (w.before, btl_latent_page_get_decoded (latent), 784));
      }
    t0 = g_get_monotonic_time ();
    g_assert_true (spin_until (decoded_changed, &w, 5000));
    g_assert_cmpint (g_get_monotonic_time () - t0, >, 500 * 1000);
  }

  gtk_stack_set_visible_child (GTK_STACK (stack), GTK_WIDGET (inspect));
  g_assert_true (spin_until (inspect_ready, inspect, 20000));
  g_assert_cmpint (btl_inspect_page_get_n_scored (inspect), ==, test->n);

  gtk_window_destroy (window);
  nn_model_free (model);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/latent-page/sliders-map-exports", test_latent_page);
  g_test_add_func ("/latent-page/wide-code", test_latent_page_wide_code);
  g_test_add_func ("/latent-page/dead-code", test_latent_page_dead_code);
  g_test_add_func ("/latent-page/decode-latency", test_latent_page_decode_latency);
  g_test_add_func ("/inspect-page/threshold-gallery", test_inspect_page);
  g_test_add_func ("/pages/hidden-follow", test_pages_hidden_follow);
  g_test_add_func ("/pages/live-training", test_pages_live_training);
  g_test_add_func ("/pages/real-screenshots", test_pages_real_screenshots);

  return g_test_run ();
}
