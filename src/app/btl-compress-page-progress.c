/* btl-compress-page-progress.c — the Compress page's job in the toolbar:
 * a progress bar over the table's rows and the curves' points, the step
 * under way in the status line, and Stop. A 12-megapixel picture takes
 * tens of seconds; the page stays usable all along (the work is the job's
 * thread), and Stop during the curves keeps the table. The toolbar has
 * room for the bar, not for the words: the step is also written where
 * its result will appear (the picture's place while a first picture loads,
 * the chart's while its curves are computed). */
#include "config.h"

#include <glib/gi18n.h>

#include "btl-compress-page-private.h"

/* The bar's share of the table: on big pictures its JPEG and WebP size
 * searches take about a quarter of the whole. */
#define TABLE_SHARE 0.25

static const char *
series_label (const char *series)
{
  static const char *const ids[] = { "original", "autoencoder", "jpeg", "webp", "pca" };
  static const char *const names[] = {
    N_("Original"), N_("Autoencoder"), N_("JPEG"), N_("WebP"), N_("PCA"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    if (g_strcmp0 (series, ids[i]) == 0)
      return _(names[i]);
  return series;
}

/* "8 bits", "quality 40", "16 coefficients", "matching the size". */
static char *
setting_label (const char *series,
               int         setting)
{
  if (g_strcmp0 (series, "original") == 0)
    return g_strdup (_("lossless PNG"));
  if (setting < 0)
    return g_strdup (_("matching the size"));
  if (g_strcmp0 (series, "autoencoder") == 0)
    return g_strdup_printf (ngettext ("%d bit", "%d bits", setting), setting);
  if (g_strcmp0 (series, "pca") == 0)
    return g_strdup_printf (ngettext ("%d coefficient", "%d coefficients", setting), setting);
  return g_strdup_printf (_("quality %d"), setting);
}

void
btl_compress_page_on_progress (const BtlCompressProgress *p,
                               gpointer                   user_data)
{
  BtlCompressPage *self = user_data;
  g_autofree char *status = NULL;
  g_autofree char *setting = NULL;
  g_autofree char *count = NULL;
  double fraction;

  if (!self->busy)
    return;   /* stopped: late news of the job in flight */
  if (p->phase == BTL_COMPRESS_PHASE_LOADING)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
      gtk_progress_bar_set_text (self->progress_bar, NULL);
      gtk_label_set_text (self->status_label, _("Reading the picture…"));
      if (self->pixbuf == NULL)
        gtk_label_set_text (GTK_LABEL (self->placeholder), _("Reading the picture…"));
      return;
    }

  fraction = p->total > 0 ? (double) p->done / p->total : 0.0;
  if (p->phase == BTL_COMPRESS_PHASE_TABLE)
    fraction *= TABLE_SHARE;
  else
    fraction = TABLE_SHARE + (1.0 - TABLE_SHARE) * fraction;
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
  /* Translators: steps done on the Compress page's progress bar, "12 of 38" */
  count = g_strdup_printf (_("%d of %d"), p->done, p->total);
  gtk_progress_bar_set_text (self->progress_bar, count);

  if (p->series == NULL)
    return;
  setting = setting_label (p->series, p->setting);
  if (p->phase == BTL_COMPRESS_PHASE_TABLE)
    /* Translators: the step under way, e.g. "Table: JPEG, matching the size…" */
    status = g_strdup_printf (_("Table: %s, %s…"), series_label (p->series), setting);
  else
    /* Translators: the step under way, e.g. "Curves: WebP, quality 40…" */
    status = g_strdup_printf (_("Curves: %s, %s…"), series_label (p->series), setting);
  gtk_label_set_text (self->status_label, status);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), status);
  if (self->pixbuf == NULL)
    gtk_label_set_text (GTK_LABEL (self->placeholder), status);
  if (p->phase == BTL_COMPRESS_PHASE_CURVES && self->n_series == 0)
    {
      /* Translators: in the empty chart while it is computed, e.g.
       * "Computing the rate–distortion curves: 12 of 38 (WebP, quality 40)" */
      g_autofree char *text = g_strdup_printf (_("Computing the rate–distortion curves: "
                                                 "%d of %d (%s, %s)"),
                                               p->done, p->total,
                                               series_label (p->series), setting);

      btl_rd_chart_set_placeholder (self->rd_chart, text);
    }
}

/* During the curves only they stop (the job then returns its table);
 * before, the whole job goes and the page keeps what it showed. */
static void
on_stop_clicked (BtlCompressPage *self)
{
  if (!self->busy)
    return;
  if (self->partial != NULL)
    {
      g_cancellable_cancel (self->rd_cancellable);
      gtk_label_set_text (self->status_label, _("Stopping the curves…"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->stop_button), FALSE);
      return;
    }
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->rd_cancellable);
  if (self->n_series == 0)
    btl_rd_chart_set_placeholder (self->rd_chart, NULL);
  btl_compress_page_set_busy (self, FALSE, _("Stopped"));
}

void
btl_compress_page_class_init_progress (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_stop_clicked);
}
