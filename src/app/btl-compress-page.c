/* btl-compress-page.c — the Compress page. See btl-compress-page.h.
 *
 * The page keeps the picture it shows and the last complete result; each
 * change (picture, mode, bits, model) starts one job in a worker thread and
 * cancels the previous one, except that a new training snapshot never
 * cancels a running job: it only marks the result stale, and a refresh
 * follows when the job is done (at most one every ten seconds, and after
 * an idle time of three times the last job's length), so the page
 * keeps up with training without queueing work or starving the trainer. The table arrives first; the
 * rate–distortion curves follow from the same job.
 */
#include "config.h"

#include "btl-compress-page.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-compress-page-private.h"
#include "btl-split-view.h"

/* |A − B| is multiplied by this in the heat map: small errors must show. */
#define DIFF_GAIN 4.0f
/* A new model snapshot refreshes the results after MODEL_REFRESH_MS, and
 * refreshes start at most every MODEL_REFRESH_INTERVAL_MS, and never sooner
 * than MODEL_REFRESH_IDLE_FACTOR times the last job's length after its end:
 * while a model trains, a visible page takes a bounded share of the CPU from
 * it, also with a 12 MP picture whose job takes a minute. */
#define MODEL_REFRESH_MS          1000
#define MODEL_REFRESH_INTERVAL_MS 10000
#define MODEL_REFRESH_IDLE_FACTOR 3

static const char *const row_names[N_ROWS] = {
  N_("Original"), N_("Autoencoder"), N_("JPEG"), N_("WebP"), N_("PCA"),
};
/* The series names btl_comparison_rd uses, and how the chart shows them. */
static const char *const series_ids[] = { "autoencoder", "jpeg", "webp", "pca" };
static const char *const series_names[] = { N_("Autoencoder"), N_("JPEG"), N_("WebP"), N_("PCA") };

enum
{
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BtlCompressPage, btl_compress_page, GTK_TYPE_WIDGET)

/* ---------------------------------------------------------------- display */

void
btl_compress_page_show_message (BtlCompressPage *self,
                                const char      *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

void
btl_compress_page_set_busy (BtlCompressPage *self,
                            gboolean         busy,
                            const char      *status)
{
  gtk_label_set_text (self->status_label, status != NULL ? status : "");
  /* The whole step while busy (the label is squeezed then), nothing after. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), busy ? status : NULL);
  if (self->busy == busy)
    return;
  /* Stop goes away under the pointer: its focus would fall on the first
   * table cell (a selectable label, all of it then selected). */
  if (!busy && gtk_widget_has_focus (GTK_WIDGET (self->stop_button)))
    gtk_widget_grab_focus (GTK_WIDGET (self->open_button));
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button), busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stop_button), TRUE);
  /* While a first picture loads, its place says what is going on. */
  if (!busy)
    gtk_label_set_text (GTK_LABEL (self->placeholder), self->placeholder_text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* |a − b| averaged over channels, ×DIFF_GAIN, black → red → yellow → white.
 * a and b are the rows' 8-bit RGB pictures (gray ones repeat their channel:
 * the first one is the picture). */
static GdkTexture *
heat_map (GdkPixbuf *pa,
          GdkPixbuf *pb,
          int        channels)
{
  int width = gdk_pixbuf_get_width (pa), height = gdk_pixbuf_get_height (pa);
  int sa = gdk_pixbuf_get_rowstride (pa), sb = gdk_pixbuf_get_rowstride (pb);
  int na = gdk_pixbuf_get_n_channels (pa), nb = gdk_pixbuf_get_n_channels (pb);
  const guint8 *a = gdk_pixbuf_read_pixels (pa), *b = gdk_pixbuf_read_pixels (pb);
  gsize plane = (gsize) height * width;
  g_autofree guint8 *rgb = g_malloc (plane * 3);
  g_autoptr (GBytes) bytes = NULL;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = a + (gsize) y * sa + (gsize) x * na;
        const guint8 *q = b + (gsize) y * sb + (gsize) x * nb;
        gsize i = (gsize) y * width + x;
        float d = 0;
        float t;

        for (int c = 0; c < channels; c++)
          d += fabsf ((float) p[c] - (float) q[c]) / 255.0f;
        t = MIN (1.0f, DIFF_GAIN * d / channels);
        rgb[3 * i + 0] = (guint8) (255.0f * CLAMP (3.0f * t, 0.0f, 1.0f) + 0.5f);
        rgb[3 * i + 1] = (guint8) (255.0f * CLAMP (3.0f * t - 1.0f, 0.0f, 1.0f) + 0.5f);
        rgb[3 * i + 2] = (guint8) (255.0f * CLAMP (3.0f * t - 2.0f, 0.0f, 1.0f) + 0.5f);
      }
  bytes = g_bytes_new_take (g_steal_pointer (&rgb), plane * 3);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, (gsize) width * 3);
}

static const BtlCompressResult *
shown_result (BtlCompressPage *self)
{
  return self->partial != NULL ? self->partial : self->result;
}

/* Textures are made when a row is first shown (a 12 MP picture's is a
 * 36 MB copy of the row's picture, which the job made), so only the A and
 * B rows on screen have one. */
static GdkTexture *
row_texture (BtlCompressPage         *self,
             const BtlCompressResult *res,
             int                      r)
{
  if (self->textures[r] == NULL && res->row_pixbufs[r] != NULL)
    self->textures[r] = gdk_texture_new_for_pixbuf (res->row_pixbufs[r]);
  return self->textures[r];
}

static void
update_view (BtlCompressPage *self)
{
  const BtlCompressResult *res = shown_result (self);
  const BtlComparison *cmp = res != NULL ? res->comparison : NULL;
  guint a = gtk_drop_down_get_selected (self->a_dropdown);
  guint b = gtk_drop_down_get_selected (self->b_dropdown);
  gboolean diff = gtk_toggle_button_get_active (self->diff_toggle);
  g_autoptr (GdkTexture) original = NULL;
  g_autoptr (GdkTexture) heat = NULL;
  g_autofree char *label_b = NULL;
  GdkTexture *ta, *tb;

  gtk_widget_set_visible (self->placeholder, self->pixbuf == NULL);
  if (self->pixbuf == NULL)
    {
      btl_split_view_set_images (self->split_view, NULL, NULL);
      return;
    }
  if (cmp == NULL)
    {
      /* No model yet: the picture alone. */
      original = gdk_texture_new_for_pixbuf (self->pixbuf);
      btl_split_view_set_images (self->split_view, original, NULL);
      btl_split_view_set_labels (self->split_view, _(row_names[0]), NULL);
      return;
    }
  a = MIN (a, N_ROWS - 1);
  b = MIN (b, N_ROWS - 1);
  ta = row_texture (self, res, a);
  tb = row_texture (self, res, b);
  label_b = g_strdup (_(row_names[b]));
  if (diff && res->row_pixbufs[a] != NULL && res->row_pixbufs[b] != NULL)
    {
      heat = heat_map (res->row_pixbufs[a], res->row_pixbufs[b], cmp->channels);
      tb = heat;
      g_free (label_b);
      /* Translators: the difference heat map's caption, e.g. "|Original − JPEG| × 4" */
      label_b = g_strdup_printf (_("|%s − %s| × %d"), _(row_names[a]), _(row_names[b]),
                                 (int) DIFF_GAIN);
    }
  btl_split_view_set_images (self->split_view, ta, tb);
  btl_split_view_set_labels (self->split_view, ta != NULL ? _(row_names[a]) : NULL, label_b);
}

static void
set_cell (BtlCompressPage *self,
          int              row,
          int              col,
          const char      *text)
{
  gtk_label_set_text (self->cells[row][col], text != NULL ? text : "");
}

static void
clear_table (BtlCompressPage *self)
{
  for (int r = 0; r < N_ROWS; r++)
    for (int c = 1; c < BTL_COMPRESS_N_COLS; c++)
      set_cell (self, r, c, "—");
}

static void
fill_table (BtlCompressPage         *self,
            const BtlCompressResult *res)
{
  const BtlComparison *cmp = res->comparison;
  GString *note = g_string_new (NULL);

  clear_table (self);
  for (int r = 0; r < N_ROWS && cmp != NULL; r++)
    {
      const BtlCompareRow *row = &cmp->rows[r];
      char buf[64];

      if (!row->available)
        {
          set_cell (self, r, BTL_COMPRESS_COL_SETTING, row->note);
          gtk_widget_set_tooltip_text (GTK_WIDGET (self->cells[r][BTL_COMPRESS_COL_SETTING]),
                                       row->note);
          continue;
        }
      g_snprintf (buf, sizeof buf, "%" G_GSIZE_FORMAT, row->bytes);
      set_cell (self, r, BTL_COMPRESS_COL_BYTES, buf);
      g_snprintf (buf, sizeof buf, "%.3f", row->bpp);
      set_cell (self, r, BTL_COMPRESS_COL_BPP, buf);
      /* 3 significant digits below 100 (a 1×1 picture's 0.00485∶1), whole
       * numbers above (a photo's 1834∶1, not 1.83e+03∶1) */
      g_snprintf (buf, sizeof buf, row->ratio >= 100 ? "%.0f∶1" : "%.3g∶1", row->ratio);
      set_cell (self, r, BTL_COMPRESS_COL_RATIO, buf);
      if (row->psnr_db >= 100.0)
        g_snprintf (buf, sizeof buf, "∞");
      else
        g_snprintf (buf, sizeof buf, "%.2f", row->psnr_db);
      set_cell (self, r, BTL_COMPRESS_COL_PSNR, buf);
      g_snprintf (buf, sizeof buf, "%.4f", row->ssim);
      set_cell (self, r, BTL_COMPRESS_COL_SSIM, buf);
      set_cell (self, r, BTL_COMPRESS_COL_SETTING, row->note);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->cells[r][BTL_COMPRESS_COL_SETTING]),
                                   row->note);
    }

  if (cmp != NULL)
    {
      g_string_append_printf (note, _("%d × %d, %s, %s mode. Bytes are whole files, headers "
                                      "included; ratio against %d-byte raw 8-bit pixels."),
                              cmp->width, cmp->height,
                              cmp->channels == 1 ? _("gray") : _("RGB"),
                              cmp->mode == BTL_CODEC_MODE_FIT ? _("fit (centre crop)") : _("tiles"),
                              cmp->width * cmp->height * cmp->channels);
      if (res->range_source != BTL_CODEC_RANGES_MODEL)
        g_string_append_printf (note, " %s",
                                res->range_source == BTL_CODEC_RANGES_SAMPLE
                                ? _("Quantiser ranges measured on training images.")
                                : _("Quantiser ranges from this picture’s own codes."));
    }
  if (res->pixbuf != NULL && res->original_bytes >= 0)
    g_string_append_printf (note, _(" The opened file: %lld bytes, %d × %d."),
                            (long long) res->original_bytes, gdk_pixbuf_get_width (res->pixbuf),
                            gdk_pixbuf_get_height (res->pixbuf));
  if (res->source_note != NULL)
    g_string_append_printf (note, " %s.", res->source_note);
  if (res->model_note != NULL)
    g_string_append_printf (note, " %s", res->model_note);
  gtk_label_set_text (self->note_label, g_strstrip (note->str));
  g_string_free (note, TRUE);
}

/* The table part of a result (partial or final; same_images: the final
 * result of the partial already shown, whose textures stay). */
static void
apply_table (BtlCompressPage   *self,
             BtlCompressResult *res,
             gboolean           same_images)
{

  if (self->pixbuf != res->pixbuf)
    {
      g_set_object (&self->pixbuf, res->pixbuf);
      self->original_bytes = res->original_bytes;
      /* The name goes with the picture only once it has loaded. */
      g_free (self->name);
      self->name = g_strdup (res->name);
    }
  for (int r = 0; r < N_ROWS && !same_images; r++)
    g_clear_object (&self->textures[r]);
  fill_table (self, res);
  update_view (self);
}

/* Before the curves are drawn PNG, SVG and CSV would write the chart's
 * placeholder text (or an empty table): off until there is a series. */
static void
update_export_buttons (BtlCompressPage *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_png_button), self->n_series > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_svg_button), self->n_series > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_csv_button), self->n_series > 0);
}

static void
apply_rd (BtlCompressPage         *self,
          const BtlCompressResult *res)
{
  gboolean ssim = gtk_drop_down_get_selected (self->metric_dropdown) == 1;
  const BtlComparison *cmp = res->comparison;

  btl_rd_chart_clear (self->rd_chart);
  btl_rd_chart_set_metric_label (self->rd_chart, ssim ? _("SSIM") : _("PSNR (dB)"));
  /* Why there are no curves (stopped, failed) is said where they would be. */
  btl_rd_chart_set_placeholder (self->rd_chart, res->rd == NULL ? res->rd_note : NULL);
  self->n_series = 0;
  update_export_buttons (self);
  if (res->rd == NULL)
    return;
  for (guint s = 0; s < G_N_ELEMENTS (series_ids); s++)
    {
      g_autoptr (GArray) bpp = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr (GArray) value = g_array_new (FALSE, FALSE, sizeof (double));

      for (guint i = 0; i < res->rd->len; i++)
        {
          const BtlRdPoint *p = &g_array_index (res->rd, BtlRdPoint, i);
          double v = ssim ? p->ssim : p->psnr_db;

          if (g_strcmp0 (p->series, series_ids[s]) != 0)
            continue;
          g_array_append_val (bpp, p->bpp);
          g_array_append_val (value, v);
        }
      if (bpp->len == 0)
        continue;
      btl_rd_chart_add_series (self->rd_chart, _(series_names[s]), (double *) bpp->data,
                               (double *) value->data, (int) bpp->len);
      self->n_series++;
    }
  update_export_buttons (self);
  if (cmp != NULL && cmp->rows[BTL_COMPARE_AUTOENCODER].available)
    {
      const BtlCompareRow *row = &cmp->rows[BTL_COMPARE_AUTOENCODER];

      btl_rd_chart_set_current_point (self->rd_chart, _(series_names[0]), row->bpp,
                                      ssim ? row->ssim : row->psnr_db);
    }
}

/* ---------------------------------------------------------------- jobs */

static void
on_table_ready (BtlCompressResult *partial,
                gpointer           user_data)
{
  BtlCompressPage *self = user_data;

  /* Another picture's curves would pass for this one's until the job ends. */
  if (self->pixbuf != partial->pixbuf)
    {
      btl_rd_chart_clear (self->rd_chart);
      self->n_series = 0;
      update_export_buttons (self);
    }
  self->partial = partial;
  apply_table (self, partial, FALSE);
  gtk_label_set_text (self->status_label, _("Computing the rate–distortion curves…"));
}

static gboolean
refresh_timeout (gpointer user_data)
{
  BtlCompressPage *self = user_data;

  self->refresh_id = 0;
  if (self->busy)
    {
      self->stale = TRUE;
      return G_SOURCE_REMOVE;
    }
  if (self->pixbuf != NULL)
    btl_compress_page_start_job (self, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (BtlCompressPage *self)
{
  if (self->pixbuf == NULL)
    return;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)) || self->busy)
    {
      self->stale = TRUE;
      return;
    }
  if (self->refresh_id == 0)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 since_ms = (now - self->last_job_us) / 1000;
      gint64 idle_ms = (now - self->last_job_end_us) / 1000;
      gint64 delay = MAX (MODEL_REFRESH_MS, MODEL_REFRESH_INTERVAL_MS - since_ms);

      delay = MAX (delay, MODEL_REFRESH_IDLE_FACTOR * self->last_job_ms - idle_ms);

      self->refresh_id = g_timeout_add ((guint) delay, refresh_timeout, self);
    }
}

static void
on_job_done (GObject      *source,
             GAsyncResult *async,
             gpointer      user_data)
{
  g_autoptr (BtlCompressPage) self = user_data;
  g_autoptr (BtlCompressResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *status = NULL;
  gboolean shown;

  res = btl_compress_job_finish (async, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* a newer job (or dispose) took over */
  self->last_job_end_us = g_get_monotonic_time ();
  self->last_job_ms = (self->last_job_end_us - self->last_job_us) / 1000;

  /* The partial table is this very result (alive until now). */
  shown = res != NULL && self->partial == res;
  self->partial = NULL;
  if (res == NULL)
    {
      btl_compress_page_show_message (self, error->message);
      btl_compress_page_set_busy (self, FALSE, NULL);
      update_view (self);
    }
  else
    {
      btl_compress_page_show_message (self, NULL);
      if (res->comparison != NULL && res->rd != NULL)
        status = g_strdup_printf (_("Table %.2f s, curves %.2f s"), res->seconds_table,
                                  res->seconds_rd);
      else if (res->comparison != NULL)
        status = g_strdup_printf (_("Table %.2f s"), res->seconds_table);
      g_clear_pointer (&self->result, btl_compress_result_free);
      self->result = g_steal_pointer (&res);
      apply_table (self, self->result, shown);
      apply_rd (self, self->result);
      if (self->result->baseline != NULL && self->baseline == NULL)
        self->baseline = btl_baseline_ref (self->result->baseline);
      btl_compress_page_set_busy (self, FALSE, status);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button),
                            self->result != NULL && self->result->comparison != NULL);

  if (self->stale)
    {
      self->stale = FALSE;
      schedule_refresh (self);
    }
}

/* Starts a job for request, or (NULL) for the current picture with the
 * current settings; cancels the job in flight. */
void
btl_compress_page_start_job (BtlCompressPage    *self,
                             BtlCompressRequest *request)
{
  g_autoptr (BtlCompressRequest) req = request;

  if (req == NULL)
    {
      if (self->pixbuf == NULL)
        return;
      req = btl_compress_request_new ();
      req->pixbuf = g_object_ref (self->pixbuf);
      req->original_bytes = self->original_bytes;
      req->name = g_strdup (self->name);
    }

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->rd_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->rd_cancellable);
  self->cancellable = g_cancellable_new ();
  self->rd_cancellable = g_cancellable_new ();
  self->partial = NULL;
  self->stale = FALSE;
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  /* an empty chart stops telling of the job before */
  if (self->n_series == 0)
    btl_rd_chart_set_placeholder (self->rd_chart, NULL);

  req->mode = gtk_drop_down_get_selected (self->mode_dropdown) == 0 ? BTL_CODEC_MODE_FIT
                                                                     : BTL_CODEC_MODE_TILES;
  req->bits = gtk_spin_button_get_value_as_int (self->bits_spin);
  req->want_rd = TRUE;
  req->rd_cancellable = g_object_ref (self->rd_cancellable);
  if (self->has_model)
    {
      req->has_model = TRUE;
      req->config = self->config;
      req->snapshot = nn_snapshot_ref (self->snapshot);
      btl_model_info_copy (&req->info, &self->info);
      if (self->train != NULL)
        req->train = btl_dataset_ref (self->train);

      /* The cached PCA baseline serves while the training set and the
       * model's input shape and architecture (its code size sets how many
       * components are fitted) stay the same. */
      if (self->baseline != NULL
          && (self->baseline_train != self->train
              || self->baseline_shape[0] != self->config.in_channels
              || self->baseline_shape[1] != self->config.in_height
              || self->baseline_shape[2] != self->config.in_width
              || strcmp (self->baseline_arch, self->config.arch) != 0))
        g_clear_pointer (&self->baseline, btl_baseline_unref);
      if (self->baseline != NULL)
        req->baseline = btl_baseline_ref (self->baseline);
      self->baseline_train = self->train;
      self->baseline_shape[0] = self->config.in_channels;
      self->baseline_shape[1] = self->config.in_height;
      self->baseline_shape[2] = self->config.in_width;
      g_strlcpy (self->baseline_arch, self->config.arch, sizeof self->baseline_arch);
    }

  self->last_job_us = g_get_monotonic_time ();
  btl_compress_page_set_busy (self, TRUE, _("Compressing…"));
  btl_compress_job_run (g_steal_pointer (&req), self->cancellable, on_table_ready, self,
                        btl_compress_page_on_progress, self, on_job_done,
                        g_object_ref (self));
}

/* ---------------------------------------------------------------- settings */

static void
on_settings_changed (BtlCompressPage *self)
{
  if (self->pixbuf != NULL)
    btl_compress_page_start_job (self, NULL);
}

static void
on_view_changed (BtlCompressPage *self)
{
  update_view (self);
}

static void
on_metric_changed (BtlCompressPage *self)
{
  if (self->result != NULL)
    apply_rd (self, self->result);
}

/* ---------------------------------------------------------------- GObject */

static void
btl_compress_page_map (GtkWidget *widget)
{
  BtlCompressPage *self = BTL_COMPRESS_PAGE (widget);

  GTK_WIDGET_CLASS (btl_compress_page_parent_class)->map (widget);
  if (self->stale && !self->busy)
    {
      self->stale = FALSE;
      schedule_refresh (self);
    }
}

static void
btl_compress_page_dispose (GObject *object)
{
  BtlCompressPage *self = BTL_COMPRESS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->rd_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->rd_cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  self->partial = NULL;
  for (int r = 0; r < N_ROWS; r++)
    g_clear_object (&self->textures[r]);
  g_clear_object (&self->pixbuf);
  g_clear_pointer (&self->result, btl_compress_result_free);
  g_clear_pointer (&self->snapshot, nn_snapshot_unref);
  g_clear_pointer (&self->train, btl_dataset_unref);
  g_clear_pointer (&self->baseline, btl_baseline_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), BTL_TYPE_COMPRESS_PAGE);

  G_OBJECT_CLASS (btl_compress_page_parent_class)->dispose (object);
}

static void
btl_compress_page_finalize (GObject *object)
{
  BtlCompressPage *self = BTL_COMPRESS_PAGE (object);

  btl_model_info_clear (&self->info);
  g_free (self->name);
  g_free (self->message);
  g_free (self->placeholder_text);

  G_OBJECT_CLASS (btl_compress_page_parent_class)->finalize (object);
}

static void
btl_compress_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  BtlCompressPage *self = BTL_COMPRESS_PAGE (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
btl_compress_page_class_init (BtlCompressPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = btl_compress_page_dispose;
  object_class->finalize = btl_compress_page_finalize;
  object_class->get_property = btl_compress_page_get_property;
  widget_class->map = btl_compress_page_map;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BTL_TYPE_SPLIT_VIEW);
  g_type_ensure (BTL_TYPE_RD_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/bottleneck/Bottleneck/btl-compress-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, BtlCompressPage, name)
  BIND (toolbar);
  BIND (open_button);
  BIND (paste_button);
  BIND (mode_dropdown);
  BIND (bits_spin);
  BIND (a_dropdown);
  BIND (b_dropdown);
  BIND (diff_toggle);
  BIND (spinner);
  BIND (progress_bar);
  BIND (status_label);
  BIND (stop_button);
  BIND (save_button);
  BIND (message_label);
  BIND (paned);
  BIND (split_view);
  BIND (placeholder);
  BIND (table_grid);
  BIND (note_label);
  BIND (metric_dropdown);
  BIND (export_png_button);
  BIND (export_svg_button);
  BIND (export_csv_button);
  BIND (rd_chart);
#undef BIND
  btl_compress_page_class_init_io (widget_class);
  btl_compress_page_class_init_progress (widget_class);
  gtk_widget_class_set_css_name (widget_class, "btl-compress-page");
}

static void
build_table (BtlCompressPage *self)
{
  const char *headers[BTL_COMPRESS_N_COLS] = {
    _("Codec"), _("Bytes"), _("bpp"), _("Ratio"), _("PSNR (dB)"), _("SSIM"), _("Setting"),
  };

  for (int c = 0; c < BTL_COMPRESS_N_COLS; c++)
    {
      GtkWidget *label = gtk_label_new (headers[c]);

      gtk_label_set_xalign (GTK_LABEL (label), c == 0 || c == BTL_COMPRESS_COL_SETTING ? 0 : 1);
      gtk_widget_add_css_class (label, "heading");
      gtk_grid_attach (self->table_grid, label, c, 0, 1, 1);
    }
  for (int r = 0; r < N_ROWS; r++)
    for (int c = 0; c < BTL_COMPRESS_N_COLS; c++)
      {
        GtkWidget *label = gtk_label_new (c == 0 ? _(row_names[r]) : "—");

        gtk_label_set_xalign (GTK_LABEL (label), c == 0 || c == BTL_COMPRESS_COL_SETTING ? 0 : 1);
        if (c == BTL_COMPRESS_COL_SETTING)
          {
            /* Long notes ("8 bits × 32 coefficients per 28×28 tile") in a
             * smaller face; the whole text is in the tooltip. */
            gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
            gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
            gtk_widget_set_hexpand (label, TRUE);
            gtk_widget_add_css_class (label, "caption");
          }
        else if (c > 0)
          gtk_widget_add_css_class (label, "numeric");
        gtk_label_set_selectable (GTK_LABEL (label), c > 0);
        gtk_grid_attach (self->table_grid, label, c, r + 1, 1, 1);
        self->cells[r][c] = GTK_LABEL (label);
      }
}

static void
btl_compress_page_init (BtlCompressPage *self)
{
  g_autoptr (GtkStringList) rows = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->placeholder_text = g_strdup (gtk_label_get_label (GTK_LABEL (self->placeholder)));
  btl_model_info_init (&self->info);
  self->original_bytes = -1;

  for (int r = 0; r < N_ROWS; r++)
    gtk_string_list_append (rows, _(row_names[r]));
  gtk_drop_down_set_model (self->a_dropdown, G_LIST_MODEL (rows));
  gtk_drop_down_set_model (self->b_dropdown, G_LIST_MODEL (rows));
  gtk_drop_down_set_selected (self->a_dropdown, BTL_COMPARE_ORIGINAL);
  gtk_drop_down_set_selected (self->b_dropdown, BTL_COMPARE_AUTOENCODER);
  build_table (self);

  g_signal_connect_swapped (self->mode_dropdown, "notify::selected",
                            G_CALLBACK (on_settings_changed), self);
  g_signal_connect_swapped (self->bits_spin, "value-changed",
                            G_CALLBACK (on_settings_changed), self);
  g_signal_connect_swapped (self->a_dropdown, "notify::selected",
                            G_CALLBACK (on_view_changed), self);
  g_signal_connect_swapped (self->b_dropdown, "notify::selected",
                            G_CALLBACK (on_view_changed), self);
  g_signal_connect_swapped (self->diff_toggle, "toggled", G_CALLBACK (on_view_changed), self);
  g_signal_connect_swapped (self->metric_dropdown, "notify::selected",
                            G_CALLBACK (on_metric_changed), self);
  btl_compress_page_init_io (self);
}

GtkWidget *
btl_compress_page_new (void)
{
  return g_object_new (BTL_TYPE_COMPRESS_PAGE, NULL);
}

/* ---------------------------------------------------------------- public */

void
btl_compress_page_set_model (BtlCompressPage     *self,
                             const NnModel       *model,
                             NnSnapshot          *snap,
                             const BtlModelInfo  *info)
{
  g_return_if_fail (BTL_IS_COMPRESS_PAGE (self));

  g_clear_pointer (&self->snapshot, nn_snapshot_unref);
  btl_model_info_clear (&self->info);
  self->has_model = model != NULL;
  if (model != NULL)
    {
      self->config = *nn_model_get_config (model);
      self->snapshot = snap != NULL ? nn_snapshot_ref (snap)
                                    : nn_snapshot_new_from_model (model, 0, 0);
      if (info != NULL)
        btl_model_info_copy (&self->info, info);
    }
  schedule_refresh (self);
}

void
btl_compress_page_set_dataset (BtlCompressPage *self,
                               BtlDataset      *train)
{
  g_return_if_fail (BTL_IS_COMPRESS_PAGE (self));

  if (train == self->train)
    return;
  g_clear_pointer (&self->train, btl_dataset_unref);
  if (train != NULL)
    self->train = btl_dataset_ref (train);
  g_clear_pointer (&self->baseline, btl_baseline_unref);
  schedule_refresh (self);
}

void
btl_compress_page_set_mode (BtlCompressPage *self,
                            int              mode)
{
  g_return_if_fail (BTL_IS_COMPRESS_PAGE (self));

  gtk_drop_down_set_selected (self->mode_dropdown, mode == BTL_CODEC_MODE_FIT ? 0 : 1);
}

void
btl_compress_page_set_bits (BtlCompressPage *self,
                            int              bits)
{
  g_return_if_fail (BTL_IS_COMPRESS_PAGE (self));

  gtk_spin_button_set_value (self->bits_spin, bits);
}

gboolean
btl_compress_page_is_busy (BtlCompressPage *self)
{
  g_return_val_if_fail (BTL_IS_COMPRESS_PAGE (self), FALSE);

  return self->busy;
}

const char *
btl_compress_page_get_message (BtlCompressPage *self)
{
  g_return_val_if_fail (BTL_IS_COMPRESS_PAGE (self), NULL);

  return self->message;
}

const char *
btl_compress_page_get_cell (BtlCompressPage *self,
                            int              row,
                            int              column)
{
  g_return_val_if_fail (BTL_IS_COMPRESS_PAGE (self), NULL);
  g_return_val_if_fail (row >= 0 && row < N_ROWS, NULL);
  g_return_val_if_fail (column >= 0 && column < BTL_COMPRESS_N_COLS, NULL);

  return gtk_label_get_text (self->cells[row][column]);
}

int
btl_compress_page_get_n_series (BtlCompressPage *self)
{
  g_return_val_if_fail (BTL_IS_COMPRESS_PAGE (self), 0);

  return self->n_series;
}

GtkWidget *
btl_compress_page_get_split_view (BtlCompressPage *self)
{
  g_return_val_if_fail (BTL_IS_COMPRESS_PAGE (self), NULL);

  return GTK_WIDGET (self->split_view);
}
