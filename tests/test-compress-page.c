/* test-compress-page.c — the Compress page under Xvfb: a picture in through
 * a file, the clipboard and a .btlz; the table and the curves filled;
 * errors shown in the page; the A/B view's divider, zoom and pan. */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "btl-compress-page.h"
#include "btl-split-view.h"

typedef struct
{
  GtkWindow       *window;
  BtlCompressPage *page;
  char            *dir;
} Fixture;

static gboolean
flag_true (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
spin_until (gboolean (*cond) (gpointer),
            gpointer  data,
            guint     ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (ms, flag_true, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return !timed_out;
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static gboolean
is_busy (gpointer data)
{
  return btl_compress_page_is_busy (BTL_COMPRESS_PAGE (data));
}

static gboolean
is_idle (gpointer data)
{
  return !btl_compress_page_is_busy (BTL_COMPRESS_PAGE (data));
}

static void
wait_idle (Fixture *f)
{
  /* A job starts synchronously; give it a minute on a loaded machine. */
  g_assert_true (spin_until (is_idle, f->page, 60000));
}

static NnModel *
make_model (const char *arch,
            guint64     seed)
{
  NnConfig cfg;
  NnError err = { 0 };
  NnModel *model;

  nn_config_init_default (&cfg);
  g_assert_cmpint (nn_config_set (&cfg, "arch", arch, &err), ==, NN_OK);
  model = nn_model_new (&cfg, &err);
  g_assert_nonnull (model);
  nn_model_init_params (model, seed);
  return model;
}

/* A smooth 28×28 training set for the PCA baseline. */
static BtlDataset *
make_dataset (void)
{
  g_autoptr (GError) error = NULL;
  BtlDataset *ds = btl_dataset_new ("blobs", 300, 1, 28, 28, 0, &error);

  g_assert_no_error (error);
  for (int i = 0; i < ds->n; i++)
    for (int y = 0; y < 28; y++)
      for (int x = 0; x < 28; x++)
        ds->images[(gsize) i * 784 + y * 28 + x] =
          0.5f + 0.25f * sinf ((x + i) * 0.2f) * cosf ((y * (1 + i % 5)) * 0.15f);
  return ds;
}

static char *
write_picture (Fixture    *f,
               const char *name,
               int         width,
               int         height)
{
  g_autoptr (GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);
  guint8 *pixels = gdk_pixbuf_get_pixels (pb);
  int stride = gdk_pixbuf_get_rowstride (pb);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + (gsize) y * stride + 3 * x;
        gboolean disc = (x - width / 2) * (x - width / 2) + (y - height / 2) * (y - height / 2)
                        < height * height / 9;

        p[0] = disc ? 230 : (guint8) (x * 255 / width);
        p[1] = disc ? 40 : (guint8) (y * 255 / height);
        p[2] = (guint8) ((x + y) & 0x3f);
      }
  g_assert_true (gdk_pixbuf_save (pb, path, "png", &error, NULL));
  g_assert_no_error (error);
  return path;
}

static void
put_be32 (guint8  *p,
          guint32  v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* A PNG whose header claims 20000 × 20000 pixels (400 megapixels) and
 * which has no pixel data at all: only the header may be read. */
static char *
write_huge_png (Fixture *f)
{
  guint8 png[8 + 25 + 12];
  char *path = g_build_filename (f->dir, "huge.png", NULL);

  memcpy (png, "\x89PNG\r\n\x1a\n", 8);
  put_be32 (png + 8, 13);
  memcpy (png + 12, "IHDR", 4);
  put_be32 (png + 16, 20000);
  put_be32 (png + 20, 20000);
  png[24] = 8;   /* depth */
  png[25] = 2;   /* RGB */
  png[26] = png[27] = png[28] = 0;
  put_be32 (png + 29, (guint32) crc32 (0, png + 12, 17));
  /* an empty IDAT: the header is followed by what a decoder expects */
  put_be32 (png + 33, 0);
  memcpy (png + 37, "IDAT", 4);
  put_be32 (png + 41, (guint32) crc32 (0, png + 37, 4));
  g_assert_true (g_file_set_contents (path, (const char *) png, sizeof png, NULL));
  return path;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  NnModel *model = make_model ("784-128-64", 1);
  g_autoptr (BtlDataset) train = make_dataset ();

  f->dir = g_dir_make_tmp ("btl-compress-page-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1200, 720);
  f->page = BTL_COMPRESS_PAGE (btl_compress_page_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_window_present (f->window);
  g_assert_true (spin_until (is_mapped, f->page, 5000));

  /* The page copies what it needs: the model may go right away. */
  btl_compress_page_set_model (f->page, model, NULL, NULL);
  nn_model_free (model);
  btl_compress_page_set_dataset (f->page, train);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;

  if (f->window != NULL)
    gtk_window_destroy (f->window);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static double
cell_number (Fixture *f,
             int      row,
             int      col)
{
  const char *text = btl_compress_page_get_cell (f->page, row, col);
  char *end = NULL;
  double v;

  g_assert_nonnull (text);
  v = g_ascii_strtod (text, &end);
  if (end == text)
    g_error ("cell (%d, %d) is “%s”, not a number", row, col, text);
  return v;
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr (GdkPaintable) paintable = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") != NULL
                                            ? g_getenv ("G_TEST_BUILDDIR") : ".", name, NULL);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  /* A paintable takes the widget's last frame, so draw one first, with
   * nothing pending. */
  gtk_test_widget_wait_for_draw (widget);
  paintable = gtk_widget_paintable_new (widget);
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  g_assert_true (gsk_renderer_realize (renderer, NULL, NULL));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  gsk_renderer_unrealize (renderer);
  g_test_message ("screenshot: %s", path);
}

static void
check_table_filled (Fixture *f)
{
  double ae_bytes, ae_psnr, ae_ssim;

  g_assert_null (btl_compress_page_get_message (f->page));
  for (int r = 0; r < 5; r++)
    g_test_message ("%s: %s bytes, %s dB, %s", btl_compress_page_get_cell (f->page, r, 0),
                    btl_compress_page_get_cell (f->page, r, BTL_COMPRESS_COL_BYTES),
                    btl_compress_page_get_cell (f->page, r, BTL_COMPRESS_COL_PSNR),
                    btl_compress_page_get_cell (f->page, r, BTL_COMPRESS_COL_SETTING));
  ae_bytes = cell_number (f, 1, BTL_COMPRESS_COL_BYTES);
  ae_psnr = cell_number (f, 1, BTL_COMPRESS_COL_PSNR);
  ae_ssim = cell_number (f, 1, BTL_COMPRESS_COL_SSIM);
  g_assert_cmpfloat (ae_bytes, >, 20);
  g_assert_cmpfloat (ae_psnr, >, 0);
  g_assert_cmpfloat (ae_psnr, <, 100);
  g_assert_cmpfloat (ae_ssim, >=, -1);
  g_assert_cmpfloat (ae_ssim, <=, 1);
  g_assert_cmpfloat (cell_number (f, 1, BTL_COMPRESS_COL_BPP), >, 0);
  g_assert_cmpfloat (cell_number (f, 1, BTL_COMPRESS_COL_RATIO), >, 1);
  /* The original is lossless; JPEG never exceeds the .btlz; PCA is there. */
  g_assert_cmpstr (btl_compress_page_get_cell (f->page, 0, BTL_COMPRESS_COL_PSNR), ==, "∞");
  g_assert_cmpfloat (cell_number (f, 2, BTL_COMPRESS_COL_BYTES), <=, ae_bytes);
  g_assert_cmpfloat (cell_number (f, 2, BTL_COMPRESS_COL_PSNR), >, 0);
  g_assert_cmpfloat (cell_number (f, 4, BTL_COMPRESS_COL_BYTES), >, 0);
  /* Curves: autoencoder, JPEG, PCA (and WebP where there is a saver). */
  g_assert_cmpint (btl_compress_page_get_n_series (f->page), >=, 3);
}

static void
test_open_file (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = write_picture (f, "picture.png", 160, 120);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  BtlSplitView *view = BTL_SPLIT_VIEW (btl_compress_page_get_split_view (f->page));

  btl_compress_page_set_bits (f->page, 10);
  btl_compress_page_open_file (f->page, file);
  g_assert_true (btl_compress_page_is_busy (f->page));
  wait_idle (f);
  check_table_filled (f);
  g_assert_cmpstr (btl_compress_page_get_cell (f->page, 1, BTL_COMPRESS_COL_SETTING), !=, "—");
  save_screenshot (GTK_WIDGET (f->page), "compress-page.png");

  /* Divider, zoom about a point, pan are one transform for A and B. */
  btl_split_view_set_position (view, 0.25);
  g_assert_cmpfloat (btl_split_view_get_position (view), ==, 0.25);
  {
    double w = gtk_widget_get_width (GTK_WIDGET (view));
    double h = gtk_widget_get_height (GTK_WIDGET (view));
    double ix0, iy0, ix1, iy1;

    g_assert_true (btl_split_view_widget_to_image (view, w / 3, h / 3, &ix0, &iy0));
    btl_split_view_zoom_at (view, 4.0, w / 3, h / 3);
    g_assert_cmpfloat (btl_split_view_get_zoom (view), ==, 4.0);
    g_assert_true (btl_split_view_widget_to_image (view, w / 3, h / 3, &ix1, &iy1));
    g_assert_cmpfloat_with_epsilon (ix0, ix1, 1e-6);
    g_assert_cmpfloat_with_epsilon (iy0, iy1, 1e-6);
  }

  /* The difference heat map, zoomed in. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (gtk_widget_get_template_child (
                                  GTK_WIDGET (f->page), BTL_TYPE_COMPRESS_PAGE, "diff_toggle")),
                                TRUE);
  save_screenshot (GTK_WIDGET (f->page), "compress-page-difference.png");

  /* Fit mode: one tile, the picture resized to the model's input. */
  btl_compress_page_set_mode (f->page, 0);
  g_assert_true (btl_compress_page_is_busy (f->page));
  wait_idle (f);
  g_assert_null (btl_compress_page_get_message (f->page));
  g_assert_cmpfloat (cell_number (f, 1, BTL_COMPRESS_COL_BYTES), >, 0);
  /* 64 codes of 10 bits and a header over 28 × 28 pixels. */
  g_assert_cmpfloat (cell_number (f, 1, BTL_COMPRESS_COL_BPP), >, 64 * 10 / 784.0);
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *good = write_picture (f, "good.png", 64, 64);
  g_autofree char *huge = write_huge_png (f);
  g_autofree char *corrupt = g_build_filename (f->dir, "corrupt.jpg", NULL);
  g_autofree char *empty = g_build_filename (f->dir, "empty.png", NULL);
  g_autoptr (GFile) good_file = g_file_new_for_path (good);
  g_autoptr (GFile) huge_file = g_file_new_for_path (huge);
  g_autoptr (GFile) corrupt_file = g_file_new_for_path (corrupt);
  g_autoptr (GFile) empty_file = g_file_new_for_path (empty);
  g_autoptr (GFile) missing_file = g_file_new_for_path ("/nonexistent/picture.png");
  g_autofree char *ae_bytes = NULL;
  const char *message;

  g_assert_true (g_file_set_contents (corrupt, "\xff\xd8\xff\xe0 not really a JPEG", -1, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));

  btl_compress_page_open_file (f->page, good_file);
  wait_idle (f);
  g_assert_null (btl_compress_page_get_message (f->page));
  ae_bytes = g_strdup (btl_compress_page_get_cell (f->page, 1, BTL_COMPRESS_COL_BYTES));

  btl_compress_page_open_file (f->page, huge_file);
  wait_idle (f);
  message = btl_compress_page_get_message (f->page);
  g_assert_nonnull (message);
  g_test_message ("too large: %s", message);
  g_assert_nonnull (strstr (message, "huge.png"));
  g_assert_nonnull (strstr (message, "20000"));
  g_assert_nonnull (strstr (message, "limit"));
  /* The previous picture's results stay. */
  g_assert_cmpstr (btl_compress_page_get_cell (f->page, 1, BTL_COMPRESS_COL_BYTES), ==, ae_bytes);

  btl_compress_page_open_file (f->page, corrupt_file);
  wait_idle (f);
  message = btl_compress_page_get_message (f->page);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "corrupt.jpg"));

  btl_compress_page_open_file (f->page, empty_file);
  wait_idle (f);
  g_assert_nonnull (strstr (btl_compress_page_get_message (f->page), "empty"));

  btl_compress_page_open_file (f->page, missing_file);
  wait_idle (f);
  g_assert_nonnull (btl_compress_page_get_message (f->page));
  save_screenshot (GTK_WIDGET (f->page), "compress-page-error.png");

  /* And the page still works. */
  btl_compress_page_open_file (f->page, good_file);
  wait_idle (f);
  g_assert_null (btl_compress_page_get_message (f->page));
}

/* A new picture cancels the job in flight: only the last one is shown. */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *first = write_picture (f, "first.png", 400, 300);
  g_autofree char *second = write_picture (f, "second.png", 120, 100);
  g_autoptr (GFile) first_file = g_file_new_for_path (first);
  g_autoptr (GFile) second_file = g_file_new_for_path (second);
  double pixels;

  btl_compress_page_open_file (f->page, first_file);
  btl_compress_page_open_file (f->page, second_file);
  wait_idle (f);
  g_assert_null (btl_compress_page_get_message (f->page));
  /* The table is the second picture's: bytes · 8 / bpp = 120 · 100 pixels. */
  pixels = cell_number (f, 1, BTL_COMPRESS_COL_BYTES) * 8
           / cell_number (f, 1, BTL_COMPRESS_COL_BPP);
  g_assert_cmpfloat (fabs (pixels - 12000) / 12000, <, 0.01);
  check_table_filled (f);
}

static GtkWidget *
page_child (Fixture    *f,
            const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page),
                                                    BTL_TYPE_COMPRESS_PAGE, name));
}

static gboolean
table_shown_while_busy (gpointer data)
{
  Fixture *f = data;
  const char *bytes = btl_compress_page_get_cell (f->page, 1, BTL_COMPRESS_COL_BYTES);
  GtkLabel *status = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (f->page),
                                                               BTL_TYPE_COMPRESS_PAGE,
                                                               "status_label"));

  /* the curves' own progress has arrived */
  return g_strcmp0 (bytes, "—") != 0 && btl_compress_page_is_busy (f->page)
         && g_str_has_prefix (gtk_label_get_text (status), "Curves: ");
}

static gboolean
progress_moved (gpointer data)
{
  Fixture *f = data;

  return gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (page_child (f, "progress_bar"))) > 0;
}

/* Progress and Stop: the bar moves and names the step; Stop before the
 * table leaves the page as it was, Stop during the curves keeps the table
 * and says in the chart that the curves were stopped. */
static void
test_progress_and_stop (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *path = write_picture (f, "big.png", 1600, 1200);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  GtkWidget *bar = page_child (f, "progress_bar");
  GtkWidget *stop = page_child (f, "stop_button");
  GtkLabel *status = GTK_LABEL (page_child (f, "status_label"));

  g_assert_false (gtk_widget_get_visible (bar));
  g_assert_false (gtk_widget_get_visible (stop));

  /* Stopped at once: no table, no message, nothing busy. */
  btl_compress_page_open_file (f->page, file);
  g_assert_true (gtk_widget_get_visible (bar));
  g_assert_true (gtk_widget_get_visible (stop));
  g_signal_emit_by_name (stop, "clicked");
  g_assert_false (btl_compress_page_is_busy (f->page));
  g_assert_false (gtk_widget_get_visible (bar));
  g_assert_null (btl_compress_page_get_message (f->page));
  g_assert_cmpstr (btl_compress_page_get_cell (f->page, 1, BTL_COMPRESS_COL_BYTES), ==, "—");

  /* Again, stopped during the curves: the table stays. */
  btl_compress_page_open_file (f->page, file);
  g_assert_true (spin_until (progress_moved, f, 60000));
  g_assert_true (spin_until (table_shown_while_busy, f, 60000));
  g_test_message ("status during the curves: %s", gtk_label_get_text (status));
  g_signal_emit_by_name (stop, "clicked");
  wait_idle (f);
  g_assert_null (btl_compress_page_get_message (f->page));
  g_assert_cmpfloat (cell_number (f, 1, BTL_COMPRESS_COL_BYTES), >, 20);
  g_assert_cmpfloat (cell_number (f, 2, BTL_COMPRESS_COL_BYTES), >, 20);
  g_assert_cmpint (btl_compress_page_get_n_series (f->page), ==, 0);
  g_test_message ("status after Stop: %s", gtk_label_get_text (status));
  g_assert_false (gtk_widget_get_visible (bar));
}

/* Closing the window while a job runs: the job is cancelled, its late
 * callback finds the page disposed and touches nothing. */
static void
test_close_while_busy (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *path = write_picture (f, "busy.png", 640, 480);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  BtlCompressPage *page = f->page;

  g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &page);
  btl_compress_page_open_file (f->page, file);
  g_assert_true (btl_compress_page_is_busy (f->page));
  gtk_window_destroy (f->window);
  f->window = NULL;
  /* The job holds the page until its (cancelled) callback has run. */
  g_assert_true (spin_until (is_null, &page, 60000));
}

/* Through the clipboard, then its .btlz back in: the reconstruction. */
static void
test_paste_and_btlz (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = write_picture (f, "pasted.png", 140, 112);
  g_autofree char *btlz = g_build_filename (f->dir, "pasted.btlz", NULL);
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) btlz_file = g_file_new_for_path (btlz);
  NnModel *other = make_model ("784-128-64", 2);
  GtkWidget *paste = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page),
                                                                BTL_TYPE_COMPRESS_PAGE,
                                                                "paste_button"));
  const char *message;

  texture = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (f->page)), texture);
  g_signal_emit_by_name (paste, "clicked");
  /* The clipboard is read asynchronously: wait for the job to start. */
  g_assert_true (spin_until (is_busy, f->page, 10000));
  wait_idle (f);
  check_table_filled (f);

  g_assert_true (btl_compress_page_save_btlz (f->page, btlz, &error));
  g_assert_no_error (error);
  btl_compress_page_open_file (f->page, btlz_file);
  wait_idle (f);
  g_assert_null (btl_compress_page_get_message (f->page));
  g_assert_cmpfloat (cell_number (f, 1, BTL_COMPRESS_COL_BYTES), >, 0);

  /* Another model cannot read it: the message names both fingerprints. */
  btl_compress_page_set_model (f->page, other, NULL, NULL);
  nn_model_free (other);
  btl_compress_page_open_file (f->page, btlz_file);
  wait_idle (f);
  message = btl_compress_page_get_message (f->page);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "model"));
  g_test_message ("wrong model: %s", message);
}

/* What a drop delivers: a file list (its first file), a file, a texture. */
static void
test_drop_values (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *first = write_picture (f, "dropped.png", 100, 80);
  g_autofree char *second = write_picture (f, "ignored.png", 300, 200);
  GFile *files[2];
  GdkFileList *list;
  g_autoptr (GdkTexture) texture = NULL;
  g_auto (GValue) value = G_VALUE_INIT;
  double pixels;

  files[0] = g_file_new_for_path (first);
  files[1] = g_file_new_for_path (second);
  list = gdk_file_list_new_from_array (files, 2);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, list);
  g_assert_true (btl_compress_page_open_value (f->page, &value));
  wait_idle (f);
  check_table_filled (f);
  pixels = cell_number (f, 1, BTL_COMPRESS_COL_BYTES) * 8
           / cell_number (f, 1, BTL_COMPRESS_COL_BPP);
  g_assert_cmpfloat (fabs (pixels - 100 * 80) / (100 * 80), <, 0.01);
  g_value_unset (&value);

  texture = gdk_texture_new_from_file (files[1], NULL);
  g_assert_nonnull (texture);
  g_value_init (&value, GDK_TYPE_TEXTURE);
  g_value_set_object (&value, texture);
  g_assert_true (btl_compress_page_open_value (f->page, &value));
  wait_idle (f);
  check_table_filled (f);
  pixels = cell_number (f, 1, BTL_COMPRESS_COL_BYTES) * 8
           / cell_number (f, 1, BTL_COMPRESS_COL_BPP);
  g_assert_cmpfloat (fabs (pixels - 300 * 200) / (300 * 200), <, 0.01);
  g_value_unset (&value);

  g_value_init (&value, G_TYPE_INT);
  g_assert_false (btl_compress_page_open_value (f->page, &value));
  g_assert_false (btl_compress_page_is_busy (f->page));

  g_object_unref (files[0]);
  g_object_unref (files[1]);
}

static gboolean
has_message (gpointer data)
{
  return btl_compress_page_get_message (BTL_COMPRESS_PAGE (data)) != NULL;
}

/* The page's Ctrl+V: a global shortcut (handled by the window wherever the
 * focus is), run as GTK runs it; TRUE when it acted. */
static gboolean
press_ctrl_v (Fixture *f)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->page));
  GtkShortcut *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && found == NULL; i++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (c)
          || gtk_shortcut_controller_get_scope (GTK_SHORTCUT_CONTROLLER (c)) != GTK_SHORTCUT_SCOPE_GLOBAL)
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (c)) && found == NULL; j++)
        {
          g_autoptr (GtkShortcut) sc = g_list_model_get_item (G_LIST_MODEL (c), j);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (sc));

          if (g_strcmp0 (trigger, "<Control>v") == 0)
            found = g_object_ref (sc);
        }
    }
  g_assert_nonnull (found);
  {
    g_autoptr (GtkShortcut) sc = found;

    return gtk_shortcut_action_activate (gtk_shortcut_get_action (sc), 0,
                                         GTK_WIDGET (f->page), gtk_shortcut_get_arguments (sc));
  }
}

/* Ctrl+V pastes a picture (the clipboard button's way) while the page is
 * shown and the focus is not in a text field; a file copied in a file
 * manager opens; text in the clipboard gives a message in the page. */
static void
test_paste_shortcut (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = write_picture (f, "shortcut.png", 140, 112);
  g_autofree char *file_path = write_picture (f, "copied.png", 100, 80);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->page));
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *entry = gtk_entry_new ();
  GtkWidget *stack = gtk_stack_new ();
  GtkWidget *other = gtk_label_new ("another page");
  GtkWidget *open = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page),
                                                               BTL_TYPE_COMPRESS_PAGE,
                                                               "open_button"));
  GtkWidget *bits = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page),
                                                               BTL_TYPE_COMPRESS_PAGE,
                                                               "bits_spin"));
  const char *message;
  double pixels;

  /* As in the window: a text field outside the page, and the page in a
   * stack beside another. */
  g_object_ref (f->page);
  gtk_window_set_child (f->window, NULL);
  gtk_stack_add_named (GTK_STACK (stack), GTK_WIDGET (f->page), "compress");
  gtk_stack_add_named (GTK_STACK (stack), other, "other");
  g_object_unref (f->page);
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), stack);
  gtk_window_set_child (f->window, box);
  gtk_stack_set_visible_child (GTK_STACK (stack), GTK_WIDGET (f->page));
  g_assert_true (spin_until (is_mapped, f->page, 5000));

  texture = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  gdk_clipboard_set_texture (clipboard, texture);

  /* In a text field, outside the page or in it, Ctrl+V is the field's. */
  g_assert_true (gtk_widget_grab_focus (entry));
  g_assert_false (press_ctrl_v (f));
  g_assert_true (gtk_widget_grab_focus (bits));
  g_assert_false (press_ctrl_v (f));
  g_assert_false (btl_compress_page_is_busy (f->page));

  /* Another page shown: nothing. */
  gtk_stack_set_visible_child (GTK_STACK (stack), other);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (f->page)));
  g_assert_false (press_ctrl_v (f));
  g_assert_false (btl_compress_page_is_busy (f->page));

  /* The page shown, focus on a button: the picture comes in. */
  gtk_stack_set_visible_child (GTK_STACK (stack), GTK_WIDGET (f->page));
  g_assert_true (spin_until (is_mapped, f->page, 5000));
  g_assert_true (gtk_widget_grab_focus (open));
  g_assert_true (press_ctrl_v (f));
  g_assert_true (spin_until (is_busy, f->page, 10000));
  wait_idle (f);
  check_table_filled (f);
  g_assert_null (btl_compress_page_get_message (f->page));
  pixels = cell_number (f, 1, BTL_COMPRESS_COL_BYTES) * 8
           / cell_number (f, 1, BTL_COMPRESS_COL_BPP);
  g_assert_cmpfloat (fabs (pixels - 140 * 112) / (140 * 112), <, 0.01);

  /* A picture file copied in a file manager. */
  {
    g_autoptr (GFile) file = g_file_new_for_path (file_path);
    GdkFileList *list = gdk_file_list_new_from_array (&file, 1);

    gdk_clipboard_set (clipboard, GDK_TYPE_FILE_LIST, list);
    g_boxed_free (GDK_TYPE_FILE_LIST, list);
  }
  g_assert_true (press_ctrl_v (f));
  g_assert_true (spin_until (is_busy, f->page, 10000));
  wait_idle (f);
  g_assert_null (btl_compress_page_get_message (f->page));
  pixels = cell_number (f, 1, BTL_COMPRESS_COL_BYTES) * 8
           / cell_number (f, 1, BTL_COMPRESS_COL_BPP);
  g_assert_cmpfloat (fabs (pixels - 100 * 80) / (100 * 80), <, 0.01);

  /* Text: a message in the page that says what to do. */
  gdk_clipboard_set_text (clipboard, "not a picture");
  g_assert_true (press_ctrl_v (f));
  g_assert_true (spin_until (has_message, f->page, 10000));
  g_assert_false (btl_compress_page_is_busy (f->page));
  message = btl_compress_page_get_message (f->page);
  g_test_message ("text in the clipboard: %s", message);
  g_assert_cmpstr (message, ==, "The clipboard holds no picture: copy a picture or a picture "
                                "file, then paste again");
}

static void
test_chart_export (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = write_picture (f, "chart.png", 112, 84);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autofree char *csv_path = g_build_filename (f->dir, "rd.csv", NULL);
  g_autofree char *svg_path = g_build_filename (f->dir, "rd.svg", NULL);
  g_autofree char *csv = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *png = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->page), BTL_TYPE_COMPRESS_PAGE,
                                                              "export_png_button"));

  /* No curves yet: nothing to export (it wrote the placeholder text). */
  g_assert_false (gtk_widget_get_sensitive (png));
  btl_compress_page_open_file (f->page, file);
  wait_idle (f);
  g_assert_true (gtk_widget_get_sensitive (png));
  g_assert_true (btl_compress_page_export_chart (f->page, csv_path, &error));
  g_assert_no_error (error);
  g_assert_true (btl_compress_page_export_chart (f->page, svg_path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  g_assert_nonnull (strstr (csv, "Autoencoder"));
  g_assert_nonnull (strstr (csv, "JPEG"));
  g_assert_nonnull (strstr (csv, "PCA"));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/app/compress-page/open-file", test_open_file);
  ADD ("/app/compress-page/errors", test_errors);
  ADD ("/app/compress-page/cancel", test_cancel);
  ADD ("/app/compress-page/progress-and-stop", test_progress_and_stop);
  ADD ("/app/compress-page/close-while-busy", test_close_while_busy);
  ADD ("/app/compress-page/paste-and-btlz", test_paste_and_btlz);
  ADD ("/app/compress-page/drop-values", test_drop_values);
  ADD ("/app/compress-page/paste-shortcut", test_paste_shortcut);
  ADD ("/app/compress-page/chart-export", test_chart_export);
#undef ADD

  return g_test_run ();
}
