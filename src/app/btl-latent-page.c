/* btl-latent-page.c — the Latent page: sliders, live decoding, the 2-D map.
 *
 * Everything decodes from self->snap (immutable, ref-counted) with the
 * page's own NnInference, so it never waits for the trainer. The map and its
 * encoding task are in btl-latent-page-map.c, interpolation and traversal in
 * btl-latent-page-tools.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"
#include "btl-frame-budget.h"
#include "btl-latent-page-private.h"
#include "btl-wheel.h"

/* The decoded image is drawn at about this many pixels across. */
#define DECODED_SIZE 224

/* While a model trains, the shown page takes up new weights at most once a
 * second: each time every slider moves, the current code is decoded again
 * and the map's marker moves — ~12 ms of the window's thread, which made
 * the frames 25–40 ms four times a second (bench/frames --page latent). */
#define FOLLOW_INTERVAL_US G_USEC_PER_SEC

G_DEFINE_FINAL_TYPE (BtlLatentPage, btl_latent_page, GTK_TYPE_WIDGET)

/* ------------------------------------------------------------ helpers */

GdkTexture *
btl_latent_page_texture (const float *x,
                         int          channels,
                         int          height,
                         int          width,
                         int          scale)
{
  int w, h, plane = height * width;
  size_t stride;
  guint8 *rgb;

  /* Straight to 8-bit RGB at the final size, one scaled row built and then
   * copied scale× (no GdkPixbuf, no filtering pass): this is on the path from
   * a slider move to new pixels. */
  scale = MAX (scale, 1);
  w = width * scale;
  h = height * scale;
  stride = (size_t) w * 3;
  rgb = g_malloc (stride * h);
  for (int yy = 0; yy < height; yy++)
    {
      guint8 *row = rgb + (size_t) yy * scale * stride;

      for (int xx = 0; xx < width; xx++)
        {
          guint8 px[3];

          for (int c = 0; c < 3; c++)
            {
              float v = x[(channels == 3 ? c * plane : 0) + yy * width + xx];

              /* NaN (weights that diverged) shows as black, not as garbage. */
              px[c] = (guint8) ((v >= 0.0f ? MIN (v, 1.0f) : 0.0f) * 255.0f + 0.5f);
            }
          for (int k = 0; k < scale; k++)
            memcpy (row + ((size_t) xx * scale + k) * 3, px, 3);
        }
      for (int k = 1; k < scale; k++)
        memcpy (row + k * stride, row, stride);
    }
  {
    g_autoptr(GBytes) bytes = g_bytes_new_take (rgb, stride * h);

    return gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8, bytes, stride);
  }
}

void
btl_latent_page_show_message (BtlLatentPage *self,
                              const char    *message)
{
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->message_revealer, message != NULL);
  gtk_widget_remove_css_class (gtk_revealer_get_child (self->message_revealer), "note");
}

static void
on_message_close (BtlLatentPage *self)
{
  btl_latent_page_show_message (self, NULL);
}

const float *
btl_latent_page_input (BtlLatentPage *self,
                       int            index,
                       const float   *own)
{
  if (own != NULL)
    return own;
  g_assert (self->test != NULL);
  return btl_dataset_image (self->test, CLAMP (index, 0, self->test->n - 1));
}

char *
btl_latent_page_describe_image (BtlLatentPage *self,
                                int            index)
{
  if (self->test != NULL && self->test->labels != NULL && index >= 0 && index < self->test->n)
    return g_strdup_printf (_("test image %d · %s"), index,
                            btl_dataset_class_name (self->test, self->test->labels[index]));
  return g_strdup_printf (_("test image %d"), index);
}

int
btl_latent_page_scale_for (BtlLatentPage *self,
           int            pixels)
{
  const NnConfig *cfg = nn_model_get_config (self->model);

  return MAX (1, pixels / MAX (cfg->in_height, cfg->in_width));
}

void
btl_latent_page_set_picture (GtkPicture  *picture,
             GdkTexture  *texture)
{
  gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));
  if (texture != NULL)
    g_object_unref (texture);
}

/* Encodes one input with the current weights into z (latent). */
static gboolean
encode_one (BtlLatentPage *self,
            const float   *x,
            float         *z)
{
  NnError nerr = { 0 };

  if (nn_inference_encode (self->inf, self->snap->params, self->snap->stats, x, 1, z,
                           &nerr) != NN_OK)
    {
      btl_latent_page_show_message (self, nerr.message);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------ decoding */

/* Decodes self->z and shows it: the path whose latency the issue bounds. */
void
btl_latent_page_decode_current (BtlLatentPage *self)
{
  const NnConfig *cfg;
  NnError nerr = { 0 };
  gint64 t0, dt;
  g_autofree char *text = NULL;

  if (self->model == NULL)
    return;
  cfg = nn_model_get_config (self->model);

  t0 = g_get_monotonic_time ();
  if (nn_inference_decode (self->inf, self->snap->params, self->snap->stats, self->z, 1,
                           self->decoded, &nerr) != NN_OK)
    {
      btl_latent_page_show_message (self, nerr.message);
      return;
    }
  btl_latent_page_set_picture (self->decoded_picture,
               btl_latent_page_texture (self->decoded, cfg->in_channels, cfg->in_height,
                                        cfg->in_width, btl_latent_page_scale_for (self, DECODED_SIZE)));
  dt = g_get_monotonic_time () - t0;

  self->n_decodes++;
  self->decode_sum_us += (double) dt;
  self->decode_max_us = MAX (self->decode_max_us, (double) dt);
  /* Step 0: the weights come from a file (or the caller's model), not
   * from a training run, so there is no step to name. */
  if (self->snap->step > 0)
    text = g_strdup_printf (_("Decoded in %.2f ms (mean %.2f ms over %u); weights from training step %lld"),
                            dt / 1000.0, self->decode_sum_us / self->n_decodes / 1000.0,
                            self->n_decodes, (long long) self->snap->step);
  else
    text = g_strdup_printf (_("Decoded in %.2f ms (mean %.2f ms over %u); weights of the opened model"),
                            dt / 1000.0, self->decode_sum_us / self->n_decodes / 1000.0,
                            self->n_decodes);
  gtk_label_set_text (self->decode_label, text);

  /* Sliders and map are linked: the marker shows where the code sits. */
  if (self->space != NULL)
    {
      float xy[2];

      btl_latent_space_to_map (self->space, self->z, xy);
      btl_scatter_map_set_marker (self->map, xy[0], xy[1], TRUE);
    }
}

/* ------------------------------------------------------------ sliders */

static void
slider_range (BtlLatentPage *self,
              int            d,
              double        *lo,
              double        *hi)
{
  float flo = -3.0f, fhi = 3.0f;

  if (self->space != NULL)
    btl_latent_space_range (self->space, d, &flo, &fhi);
  /* A code from a click, a drag or a dice roll may lie outside mean ± 3σ:
   * widen rather than clamp, so the slider shows the code that is decoded. */
  *lo = MIN (flo, self->z[d]);
  *hi = MAX (fhi, self->z[d]);
}

void
btl_latent_page_sync_sliders (BtlLatentPage *self)
{
  self->updating = TRUE;
  for (int d = 0; d < self->latent; d++)
    {
      GtkRange *range = g_ptr_array_index (self->scales, d);
      double lo, hi;

      if (range == NULL)
        continue;
      slider_range (self, d, &lo, &hi);
      gtk_range_set_range (range, lo, hi);
      gtk_range_set_increments (range, (hi - lo) / 100.0, (hi - lo) / 10.0);
      gtk_range_set_value (range, self->z[d]);
    }
  self->updating = FALSE;
}

static void
on_slider_changed (GtkRange      *range,
                   BtlLatentPage *self)
{
  int d = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (range), "dim"));

  if (self->updating || self->model == NULL)
    return;
  self->z[d] = (float) gtk_range_get_value (range);
  self->following = FALSE;
  btl_latent_page_decode_current (self);
  btl_latent_page_tools_queue_update (self);
}

/* Lays out one row per shown dimension: all of them in index order for
 * narrow codes; for wide codes the widest spread first and, unless "show
 * all" is on, only the first BTL_LATENT_PAGE_MAX_SLIDERS. */
void
btl_latent_page_rebuild_sliders (BtlLatentPage *self)
{
  GtkWidget *child;
  gboolean wide = self->latent > BTL_LATENT_PAGE_MAX_SLIDERS;
  int shown;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->slider_grid))) != NULL)
    gtk_grid_remove (self->slider_grid, child);
  g_ptr_array_set_size (self->scales, 0);
  g_ptr_array_set_size (self->scales, self->latent);

  gtk_widget_set_visible (GTK_WIDGET (self->show_all_check), wide);
  if (wide)
    {
      g_autofree char *text =
        g_strdup_printf (_("Show all %d dimensions"), self->latent);

      gtk_check_button_set_label (self->show_all_check, text);
    }
  shown = wide && !gtk_check_button_get_active (self->show_all_check)
          ? BTL_LATENT_PAGE_MAX_SLIDERS : self->latent;

  for (int row = 0; row < shown; row++)
    {
      int d = wide && self->space != NULL ? self->space->order[row] : row;
      g_autofree char *name = g_strdup_printf ("z%d", d);
      g_autofree char *a11y = g_strdup_printf (_("Latent dimension %d"), d);
      GtkWidget *label = gtk_label_new (name);
      GtkWidget *scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, NULL);

      gtk_label_set_xalign (GTK_LABEL (label), 1.0f);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "numeric");
      gtk_widget_set_hexpand (scale, TRUE);
      gtk_scale_set_draw_value (GTK_SCALE (scale), TRUE);
      gtk_scale_set_value_pos (GTK_SCALE (scale), GTK_POS_RIGHT);
      gtk_scale_set_digits (GTK_SCALE (scale), 2);
      gtk_accessible_update_property (GTK_ACCESSIBLE (scale), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      a11y, -1);
      if (self->space != NULL)
        {
          g_autofree char *tip = g_strdup_printf (_("Test codes: mean %.3g, σ %.3g, %.3g … %.3g"),
                                                  self->space->mean[d], self->space->std[d],
                                                  self->space->min[d], self->space->max[d]);

          gtk_widget_set_tooltip_text (scale, tip);
        }
      /* Scrolling the list must not move the sliders passing under the
       * pointer (see btl-wheel.c). */
      btl_wheel_scrolls_list (scale);
      g_object_set_data (G_OBJECT (scale), "dim", GINT_TO_POINTER (d));
      g_signal_connect (scale, "value-changed", G_CALLBACK (on_slider_changed), self);
      gtk_grid_attach (self->slider_grid, label, 0, row, 1, 1);
      gtk_grid_attach (self->slider_grid, scale, 1, row, 1, 1);
      g_ptr_array_index (self->scales, d) = scale;
    }
  btl_latent_page_sync_sliders (self);
}

static void
on_show_all_toggled (BtlLatentPage *self)
{
  if (self->model != NULL)
    btl_latent_page_rebuild_sliders (self);
}

/* Sets the sliders to the start image's code (again). */
static void
reset_to_start (BtlLatentPage *self)
{
  memcpy (self->z, self->start_z, (size_t) self->latent * sizeof (float));
  self->following = TRUE;
  btl_latent_page_sync_sliders (self);
  btl_latent_page_decode_current (self);
  btl_latent_page_tools_queue_update (self);
}

/* Re-encodes the start image with the current weights. */
static void
refresh_start_code (BtlLatentPage *self)
{
  const float *x = btl_latent_page_input (self, self->start_index, self->start_x);

  if (!encode_one (self, x, self->start_z))
    return;
  if (self->following)
    {
      memcpy (self->z, self->start_z, (size_t) self->latent * sizeof (float));
      btl_latent_page_sync_sliders (self);
    }
}

static void
set_start (BtlLatentPage *self,
           int            index,
           float         *own,
           const char    *name)
{
  g_autofree char *text = NULL;

  g_clear_pointer (&self->start_x, g_free);
  g_clear_pointer (&self->start_name, g_free);
  self->start_x = own;
  self->start_name = g_strdup (name);
  self->start_index = own != NULL ? -1 : index;
  if (!encode_one (self, btl_latent_page_input (self, index, own), self->start_z))
    return;

  if (own != NULL)
    text = g_strdup_printf (_("Starting from %s"), name);
  else
    {
      g_autofree char *what = btl_latent_page_describe_image (self, index);

      text = g_strdup_printf (_("Starting from %s"), what);
    }
  gtk_label_set_text (self->start_label, text);
  btl_scatter_map_set_selected (self->map,
                                own == NULL && self->space != NULL && index < self->space->n
                                ? index : -1);
  reset_to_start (self);
}

static void
on_image_spin_changed (BtlLatentPage *self)
{
  if (self->updating || self->model == NULL)
    return;
  set_start (self, gtk_spin_button_get_value_as_int (self->image_spin), NULL, NULL);
}

void
btl_latent_page_select_image (BtlLatentPage *self,
                              int            index)
{
  g_return_if_fail (BTL_IS_LATENT_PAGE (self));

  if (self->model == NULL || index < 0 || index >= self->test->n)
    return;
  /* The spin button's handler does the work, so both paths stay one. */
  if (gtk_spin_button_get_value_as_int (self->image_spin) != index)
    gtk_spin_button_set_value (self->image_spin, index);
  else
    set_start (self, index, NULL, NULL);
}

gboolean
btl_latent_page_open_start_image (BtlLatentPage  *self,
                                  const char     *path,
                                  GError        **error)
{
  const NnConfig *cfg;
  g_autofree char *base = NULL;
  float *x;

  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->model == NULL)
    {
      g_set_error_literal (error, BTL_ERROR, BTL_ERROR_INVALID, _("There is no model yet"));
      return FALSE;
    }
  cfg = nn_model_get_config (self->model);
  x = btl_latent_load_input (path, cfg->in_channels, cfg->in_height, cfg->in_width, error);
  if (x == NULL)
    return FALSE;
  base = g_path_get_basename (path);
  set_start (self, -1, x, base);
  return TRUE;
}

static void
open_start_chosen (BtlLatentPage *self,
                   GFile         *file,
                   gpointer       data)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;

  if (path == NULL || !btl_latent_page_open_start_image (self, path, &error))
    btl_latent_page_show_message (self, error != NULL ? error->message
                                                      : _("Only local files can be opened"));
}

static void
on_open_start_clicked (BtlLatentPage *self)
{
  btl_latent_page_choose_file (self, _("Start From an Image"), FALSE, NULL,
                               open_start_chosen, NULL);
}

static void
on_reset_clicked (BtlLatentPage *self)
{
  if (self->model != NULL)
    reset_to_start (self);
}

static void
on_random_clicked (BtlLatentPage *self)
{
  gboolean vae;

  if (self->model == NULL)
    return;
  vae = nn_model_get_config (self->model)->kind == NN_KIND_VAE;
  if (self->space != NULL)
    btl_latent_space_sample (self->space, vae, self->rand, self->z);
  else
    for (int d = 0; d < self->latent; d++)
      self->z[d] = (float) g_rand_double_range (self->rand, -1.0, 1.0);
  self->following = FALSE;
  btl_latent_page_sync_sliders (self);
  btl_latent_page_decode_current (self);
  btl_latent_page_tools_queue_update (self);
}

/* ------------------------------------------------------------ public */

static void
clear_model (BtlLatentPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_handle_id (&self->encode_timeout_id, g_source_remove);
  g_clear_handle_id (&self->tools_idle_id, g_source_remove);
  self->encoding = FALSE;
  self->encode_pending = FALSE;
  self->sliders_ordered = FALSE;
  gtk_spinner_stop (self->spinner);

  g_clear_pointer (&self->inf, nn_inference_free);
  g_clear_pointer (&self->model, nn_model_free);
  g_clear_pointer (&self->snap, nn_snapshot_unref);
  g_clear_pointer (&self->test, btl_dataset_unref);
  g_clear_pointer (&self->space, btl_latent_space_free);
  g_clear_pointer (&self->z, g_free);
  g_clear_pointer (&self->start_z, g_free);
  g_clear_pointer (&self->start_x, g_free);
  g_clear_pointer (&self->start_name, g_free);
  g_clear_pointer (&self->decoded, g_free);
  for (int e = 0; e < 2; e++)
    {
      g_clear_pointer (&self->interp_x[e], g_free);
      g_clear_pointer (&self->interp_name[e], g_free);
    }
  g_clear_pointer (&self->strip, g_free);
  g_clear_pointer (&self->grid, g_free);
  self->n_strip = self->grid_size = 0;
  self->latent = self->input_dim = 0;
  self->n_decodes = 0;
  self->decode_sum_us = self->decode_max_us = 0.0;
}

/* Starts over with a model of configuration cfg and weights snap. */
static void
setup (BtlLatentPage  *self,
       const NnConfig *cfg,
       NnSnapshot     *snap,
       BtlDataset     *test)
{
  NnError nerr = { 0 };

  clear_model (self);
  btl_latent_page_show_message (self, NULL);
  gtk_widget_set_sensitive (self->root, cfg != NULL && test != NULL);
  if (cfg == NULL || test == NULL || test->n == 0)
    {
      g_ptr_array_set_size (self->scales, 0);
      btl_latent_page_rebuild_sliders (self);
      btl_scatter_map_set_points (self->map, NULL, NULL, 0, NULL);
      gtk_picture_set_paintable (self->decoded_picture, NULL);
      gtk_label_set_text (self->map_label, _("Train a model or open one to explore its latent space."));
      return;
    }

  if (cfg->in_channels != test->channels || cfg->in_height != test->height
      || cfg->in_width != test->width)
    {
      g_autofree char *text =
        g_strdup_printf (_("The model expects %d×%d×%d images but the data set has %d×%d×%d"),
                         cfg->in_channels, cfg->in_height, cfg->in_width,
                         test->channels, test->height, test->width);

      gtk_widget_set_sensitive (self->root, TRUE);
      btl_latent_page_show_message (self, text);
      return;
    }
  self->model = nn_model_new (cfg, &nerr);
  if (self->model != NULL)
    self->inf = nn_inference_new (self->model, 256, &nerr);
  if (self->inf == NULL || snap->n_params != nn_model_n_params (self->model)
      || snap->n_stats != nn_model_n_stats (self->model))
    {
      btl_latent_page_show_message (self, self->inf == NULL ? nerr.message
                                                            : _("The weights do not fit the model"));
      g_clear_pointer (&self->inf, nn_inference_free);
      g_clear_pointer (&self->model, nn_model_free);
      return;
    }
  self->snap = nn_snapshot_ref (snap);
  self->test = btl_dataset_ref (test);
  self->latent = nn_model_latent_dim (self->model);
  self->input_dim = nn_model_input_dim (self->model);
  self->z = g_new0 (float, self->latent);
  self->start_z = g_new0 (float, self->latent);
  self->decoded = g_new0 (float, self->input_dim);
  self->following = TRUE;

  self->updating = TRUE;
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->image_spin), test->n - 1);
  self->updating = FALSE;
  btl_latent_page_rebuild_sliders (self);
  btl_latent_page_tools_reset (self);
  btl_scatter_map_set_points (self->map, NULL, NULL, 0, NULL);
  btl_scatter_map_set_marker (self->map, 0, 0, FALSE);
  gtk_label_set_text (self->map_label, _("Encoding the test set…"));

  set_start (self, CLAMP (gtk_spin_button_get_value_as_int (self->image_spin), 0, test->n - 1),
             NULL, NULL);
  btl_latent_page_request_encode (self);
}

void
btl_latent_page_set_model (BtlLatentPage *self,
                           NnModel       *model,
                           BtlDataset    *test)
{
  NnSnapshot *snap;

  g_return_if_fail (BTL_IS_LATENT_PAGE (self));

  btl_pending_weights_clear (&self->pending);
  if (model == NULL)
    {
      setup (self, NULL, NULL, test);
      return;
    }
  snap = nn_snapshot_new_from_model (model, 0, 0);
  setup (self, nn_model_get_config (model), snap, test);
  nn_snapshot_unref (snap);
}

static void
follow_config (BtlLatentPage  *self,
               const NnConfig *cfg,
               NnSnapshot     *snap,
               BtlDataset     *test)
{
  if (self->model != NULL && self->test == test
      && nn_config_equal (nn_model_get_config (self->model), cfg))
    btl_latent_page_set_snapshot (self, snap);
  else
    setup (self, cfg, snap, test);
}

/* Takes up the newest pending weights, if any. */
static void
follow_pending (BtlLatentPage *self)
{
  BtlPendingWeights p;

  if (btl_pending_weights_take (&self->pending, &p))
    {
      self->followed_us = g_get_monotonic_time ();
      follow_config (self, &p.cfg, p.snap, p.test);
      btl_pending_weights_clear (&p);
    }
}

static gboolean
follow_due_cb (gpointer user_data)
{
  BtlLatentPage *self = user_data;

  self->follow_id = 0;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    follow_pending (self);
  return G_SOURCE_REMOVE;
}

void
btl_latent_page_follow (BtlLatentPage *self,
                        NnModel       *model,
                        NnSnapshot    *snap,
                        BtlDataset    *test)
{
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (BTL_IS_LATENT_PAGE (self));
  g_return_if_fail (model != NULL && snap != NULL);

  /* Hidden: keep only the newest weights; map () takes them up. Shown, the
   * same while the last ones are younger than FOLLOW_INTERVAL_US: each
   * change moves every slider, the decoded image and the map's marker. */
  btl_pending_weights_hold (&self->pending, nn_model_get_config (model), snap, NULL, test);
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  if (self->followed_us != 0 && now - self->followed_us < FOLLOW_INTERVAL_US)
    {
      if (self->follow_id == 0)
        self->follow_id = g_timeout_add ((guint) ((self->followed_us + FOLLOW_INTERVAL_US - now) / 1000) + 1,
                                         follow_due_cb, self);
      return;
    }
  follow_pending (self);
}

static void
tools_after_frame (GObject *owner)
{
  btl_latent_page_tools_queue_update (BTL_LATENT_PAGE (owner));
}

void
btl_latent_page_set_snapshot (BtlLatentPage *self,
                              NnSnapshot    *snap)
{
  g_return_if_fail (BTL_IS_LATENT_PAGE (self));
  g_return_if_fail (snap != NULL);

  if (self->model == NULL || snap == self->snap)
    return;
  if (snap->n_params != nn_model_n_params (self->model)
      || snap->n_stats != nn_model_n_stats (self->model))
    {
      g_warning ("latent page: ignoring a snapshot of another model (%zu parameters, want %zu)",
                 snap->n_params, nn_model_n_params (self->model));
      return;
    }
  nn_snapshot_unref (self->snap);
  self->snap = nn_snapshot_ref (snap);
  refresh_start_code (self);
  btl_latent_page_decode_current (self);
  /* The interpolation or traversal sheet changes a frame later: the sliders,
   * the decoded image and the sheet in one frame made it 7 ms long. */
  btl_frame_budget_defer (GTK_WIDGET (self), G_OBJECT (self), tools_after_frame);
  btl_latent_page_request_encode (self);
}

gboolean
btl_latent_page_is_ready (BtlLatentPage *self)
{
  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), FALSE);
  return self->space != NULL && !self->encoding;
}

int
btl_latent_page_get_latent_dim (BtlLatentPage *self)
{
  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), 0);
  return self->latent;
}

const float *
btl_latent_page_get_code (BtlLatentPage *self)
{
  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), NULL);
  return self->z;
}

const float *
btl_latent_page_get_decoded (BtlLatentPage *self)
{
  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), NULL);
  return self->decoded;
}

GtkRange *
btl_latent_page_get_slider (BtlLatentPage *self,
                            int            dim)
{
  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), NULL);
  if (dim < 0 || dim >= (int) self->scales->len)
    return NULL;
  return g_ptr_array_index (self->scales, dim);
}

BtlScatterMap *
btl_latent_page_get_map (BtlLatentPage *self)
{
  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), NULL);
  return self->map;
}

int
btl_latent_page_get_n_strip (BtlLatentPage *self)
{
  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), 0);
  return self->n_strip;
}

void
btl_latent_page_get_decode_timing (BtlLatentPage *self,
                                   double        *mean_us,
                                   double        *max_us,
                                   guint         *count)
{
  g_return_if_fail (BTL_IS_LATENT_PAGE (self));

  if (mean_us != NULL)
    *mean_us = self->n_decodes > 0 ? self->decode_sum_us / self->n_decodes : NAN;
  if (max_us != NULL)
    *max_us = self->decode_max_us;
  if (count != NULL)
    *count = self->n_decodes;
}

GtkWidget *
btl_latent_page_new (void)
{
  return g_object_new (BTL_TYPE_LATENT_PAGE, NULL);
}

/* ------------------------------------------------------------ GObject */

static void
btl_latent_page_map (GtkWidget *widget)
{
  BtlLatentPage *self = BTL_LATENT_PAGE (widget);

  GTK_WIDGET_CLASS (btl_latent_page_parent_class)->map (widget);
  {
    g_clear_handle_id (&self->follow_id, g_source_remove);
    follow_pending (self);
  }
  /* Snapshots that arrived while hidden only marked the map stale. */
  if (self->encode_pending)
    btl_latent_page_request_encode (self);
  btl_latent_page_tools_queue_update (self);
}

static void
btl_latent_page_dispose (GObject *object)
{
  BtlLatentPage *self = BTL_LATENT_PAGE (object);

  clear_model (self);
  g_clear_handle_id (&self->follow_id, g_source_remove);
  btl_pending_weights_clear (&self->pending);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->scales, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), BTL_TYPE_LATENT_PAGE);

  G_OBJECT_CLASS (btl_latent_page_parent_class)->dispose (object);
}

static void
btl_latent_page_class_init (BtlLatentPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = btl_latent_page_dispose;
  widget_class->map = btl_latent_page_map;

  g_type_ensure (BTL_TYPE_SCATTER_MAP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/btl-latent-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "btllatentpage");

  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, root);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, image_spin);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, start_label);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, reset_button);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, random_button);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, slider_grid);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, show_all_check);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, decoded_picture);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, decode_label);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, hover_picture);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, hover_label);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, tools_notebook);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, interp_a_spin);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, interp_b_spin);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, steps_spin);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, interp_label);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, interp_picture);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, trav_x_spin);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, trav_y_spin);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, trav_size_spin);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, trav_label);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, trav_picture);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, map);
  gtk_widget_class_bind_template_child (widget_class, BtlLatentPage, map_label);

  gtk_widget_class_bind_template_callback (widget_class, on_message_close);
  gtk_widget_class_bind_template_callback (widget_class, on_image_spin_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_open_start_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_random_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_show_all_toggled);
  btl_latent_page_map_class_init (widget_class);
  btl_latent_page_tools_class_init (widget_class);
}

static void
btl_latent_page_init (BtlLatentPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->rand = g_rand_new_with_seed (1);
  self->scales = g_ptr_array_new ();
  self->start_index = 0;
  gtk_widget_set_sensitive (self->root, FALSE);
  gtk_label_set_text (self->map_label, _("Train a model or open one to explore its latent space."));
}
