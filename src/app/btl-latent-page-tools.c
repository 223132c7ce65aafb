/* btl-latent-page-tools.c — the Latent page's interpolation strip and
 * traversal grid (see btl-latent-page.c for the sliders and the map).
 *
 * Both are redrawn from an idle, coalescing the changes of one frame, and
 * only while they can be seen: dragging a slider re-decodes a 7×7 traversal
 * at most once per frame, and not at all when the Interpolation tab is up.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "btl-error.h"
#include "btl-image.h"
#include "btl-latent-page-private.h"
#include "btl-tile-sheet.h"

/* ------------------------------------------------------------ file chooser */

typedef struct
{
  BtlLatentPage         *self;
  BtlLatentPageFileFunc  func;
  gpointer               data;
} ChooseData;

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     ChooseData      *cd)
{
  /* A page closed while the dialog was up has nothing left to show it in. */
  if (response == GTK_RESPONSE_ACCEPT && gtk_widget_get_root (GTK_WIDGET (cd->self)) != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        cd->func (cd->self, file, cd->data);
    }
  g_object_unref (cd->self);
  g_free (cd);
  g_object_unref (dialog);
}

void
btl_latent_page_choose_file (BtlLatentPage        *self,
                             const char           *title,
                             gboolean              save,
                             const char           *suggested_name,
                             BtlLatentPageFileFunc func,
                             gpointer              data)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;
  ChooseData *cd = g_new0 (ChooseData, 1);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        save ? GTK_FILE_CHOOSER_ACTION_SAVE
                                             : GTK_FILE_CHOOSER_ACTION_OPEN,
                                        save ? _("_Export") : _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  if (save)
    {
      gtk_file_filter_set_name (filter, _("PNG images"));
      gtk_file_filter_add_mime_type (filter, "image/png");
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested_name);
    }
  else
    {
      gtk_file_filter_set_name (filter, _("Images"));
      gtk_file_filter_add_pixbuf_formats (filter);
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);

  cd->self = g_object_ref (self);
  cd->func = func;
  cd->data = data;
  g_signal_connect (dialog, "response", G_CALLBACK (on_chooser_response), cd);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

enum { TAB_INTERPOLATION, TAB_TRAVERSAL };

/* Natural pixel scale of the strip and grid (they grow to fill their area). */
#define STRIP_SCALE 3
#define GRID_SCALE 2

static gboolean
spherical_selected (BtlLatentPage *self)
{
  return gtk_drop_down_get_selected (self->mode_dropdown) == 1;
}

static char *
describe_end (BtlLatentPage *self,
              int            end)
{
  GtkSpinButton *spin = end == 0 ? self->interp_a_spin : self->interp_b_spin;

  if (self->interp_x[end] != NULL)
    return g_strdup (self->interp_name[end]);
  return btl_latent_page_describe_image (self, gtk_spin_button_get_value_as_int (spin));
}

static void
update_interpolation (BtlLatentPage *self)
{
  const NnConfig *cfg = nn_model_get_config (self->model);
  int steps = gtk_spin_button_get_value_as_int (self->steps_spin);
  int dim = self->input_dim, latent = self->latent, n = steps + 2;
  gboolean spherical = spherical_selected (self);
  g_autofree float *x = g_new (float, 2 * (size_t) dim);
  g_autofree float *z = g_new (float, 2 * (size_t) latent);
  g_autofree float *path = g_new (float, (size_t) steps * latent);
  g_autofree float *strip = g_new (float, (size_t) n * dim);
  g_autoptr(BtlTileSheet) sheet = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *text = NULL;
  NnError nerr = { 0 };

  memcpy (x, btl_latent_page_input (self, gtk_spin_button_get_value_as_int (self->interp_a_spin),
                                    self->interp_x[0]), (size_t) dim * sizeof (float));
  memcpy (x + dim, btl_latent_page_input (self,
                                          gtk_spin_button_get_value_as_int (self->interp_b_spin),
                                          self->interp_x[1]), (size_t) dim * sizeof (float));
  if (nn_inference_encode (self->inf, self->snap->params, self->snap->stats, x, 2, z,
                           &nerr) != NN_OK)
    goto engine_error;
  btl_latent_interpolate (z, z + latent, latent, steps, spherical, path);
  /* The strip: input A, the decoded path (its ends are A's and B's
   * reconstructions), input B. */
  if (nn_inference_decode (self->inf, self->snap->params, self->snap->stats, path, steps,
                           strip + dim, &nerr) != NN_OK)
    goto engine_error;
  memcpy (strip, x, (size_t) dim * sizeof (float));
  memcpy (strip + (size_t) (n - 1) * dim, x + dim, (size_t) dim * sizeof (float));

  /* Wrapped into rows as the area allows (read left to right, top down). */
  sheet = btl_tile_sheet_new (strip, n, cfg->in_channels, cfg->in_height, cfg->in_width, 0,
                              STRIP_SCALE);
  gtk_picture_set_paintable (self->interp_picture, GDK_PAINTABLE (sheet));
  g_free (self->strip);
  self->strip = g_steal_pointer (&strip);
  self->n_strip = n;

  from = describe_end (self, 0);
  to = describe_end (self, 1);
  text = g_strdup_printf (_("%s → %s: %d decoded steps, %s, between the two inputs"),
                          from, to, steps, spherical ? _("spherical") : _("linear"));
  gtk_label_set_text (self->interp_label, text);
  return;

engine_error:
  btl_latent_page_show_message (self, nerr.message);
}

static void
dim_range (BtlLatentPage *self,
           int            d,
           float         *lo,
           float         *hi)
{
  if (self->space != NULL)
    btl_latent_space_range (self->space, d, lo, hi);
  else
    {
      *lo = -3.0f;
      *hi = 3.0f;
    }
}

static void
update_traversal (BtlLatentPage *self)
{
  const NnConfig *cfg = nn_model_get_config (self->model);
  int size = gtk_spin_button_get_value_as_int (self->trav_size_spin);
  int dx = gtk_spin_button_get_value_as_int (self->trav_x_spin);
  int dy = self->latent > 1 ? gtk_spin_button_get_value_as_int (self->trav_y_spin) : -1;
  int rows = dy >= 0 ? size : 1;
  float xlo, xhi, ylo = 0.0f, yhi = 0.0f;
  g_autofree float *codes = g_new (float, (size_t) size * rows * self->latent);
  g_autofree float *grid = g_new (float, (size_t) size * rows * self->input_dim);
  g_autoptr(BtlTileSheet) sheet = NULL;
  g_autofree char *text = NULL;
  NnError nerr = { 0 };

  dx = CLAMP (dx, 0, self->latent - 1);
  dim_range (self, dx, &xlo, &xhi);
  if (dy >= 0)
    {
      dy = CLAMP (dy, 0, self->latent - 1);
      dim_range (self, dy, &ylo, &yhi);
    }
  /* Everything but the two swept dimensions comes from the sliders. */
  btl_latent_traversal (self->z, self->latent, dx, xlo, xhi, size, dy, ylo, yhi, rows, codes);
  if (nn_inference_decode (self->inf, self->snap->params, self->snap->stats, codes, size * rows,
                           grid, &nerr) != NN_OK)
    {
      btl_latent_page_show_message (self, nerr.message);
      return;
    }
  /* size columns: across is one dimension, down the other. */
  sheet = btl_tile_sheet_new (grid, size * rows, cfg->in_channels, cfg->in_height,
                              cfg->in_width, size, GRID_SCALE);
  gtk_picture_set_paintable (self->trav_picture, GDK_PAINTABLE (sheet));
  g_free (self->grid);
  self->grid = g_steal_pointer (&grid);
  self->grid_size = size;

  if (dy >= 0 && dy == dx)
    text = g_strdup_printf (_("z%d from %.2f to %.2f both across and down (pick two different dimensions)"),
                            dx, xlo, xhi);
  else if (dy >= 0)
    text = g_strdup_printf (_("z%d across from %.2f to %.2f, z%d down from %.2f to %.2f; "
                              "the other dimensions as on the sliders"),
                            dx, xlo, xhi, dy, ylo, yhi);
  else
    text = g_strdup_printf (_("z%d across from %.2f to %.2f"), dx, xlo, xhi);
  gtk_label_set_text (self->trav_label, text);
}

static gboolean
tools_idle_cb (gpointer data)
{
  BtlLatentPage *self = data;

  self->tools_idle_id = 0;
  if (self->model == NULL)
    return G_SOURCE_REMOVE;
  if (gtk_notebook_get_current_page (self->tools_notebook) == TAB_TRAVERSAL)
    update_traversal (self);
  else
    update_interpolation (self);
  return G_SOURCE_REMOVE;
}

void
btl_latent_page_tools_queue_update (BtlLatentPage *self)
{
  if (self->model == NULL || self->tools_idle_id != 0
      || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  /* Below the redraw priority's neighbour so the decoded image paints first. */
  self->tools_idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, tools_idle_cb, self, NULL);
}

void
btl_latent_page_tools_reset (BtlLatentPage *self)
{
  int n = self->test->n;

  self->updating = TRUE;
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->interp_a_spin), n - 1);
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->interp_b_spin), n - 1);
  if (gtk_spin_button_get_value_as_int (self->interp_a_spin)
      == gtk_spin_button_get_value_as_int (self->interp_b_spin))
    gtk_spin_button_set_value (self->interp_b_spin, MIN (1, n - 1));
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->trav_x_spin), self->latent - 1);
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->trav_y_spin), self->latent - 1);
  gtk_spin_button_set_value (self->trav_x_spin, 0);
  gtk_spin_button_set_value (self->trav_y_spin, MIN (1, self->latent - 1));
  gtk_widget_set_sensitive (GTK_WIDGET (self->trav_y_spin), self->latent > 1);
  /* Spherical paths are the VAE's; a plain autoencoder's codes need not
   * live on a sphere, so the straight line is its default. */
  gtk_drop_down_set_selected (self->mode_dropdown,
                              nn_model_get_config (self->model)->kind == NN_KIND_VAE ? 1 : 0);
  self->updating = FALSE;
  btl_latent_page_tools_queue_update (self);
}

void
btl_latent_page_tools_space_changed (BtlLatentPage *self,
                                     gboolean       first)
{
  /* The first map of a model picks the two widest dimensions to traverse. */
  if (first && self->latent > 1)
    {
      self->updating = TRUE;
      gtk_spin_button_set_value (self->trav_x_spin, self->space->order[0]);
      gtk_spin_button_set_value (self->trav_y_spin, self->space->order[1]);
      self->updating = FALSE;
    }
  btl_latent_page_tools_queue_update (self);
}

static void
on_interp_changed (BtlLatentPage *self)
{
  if (!self->updating)
    btl_latent_page_tools_queue_update (self);
}

static void
on_interp_a_changed (BtlLatentPage *self)
{
  /* Touching the spin button means "a test image" again. */
  g_clear_pointer (&self->interp_x[0], g_free);
  on_interp_changed (self);
}

static void
on_interp_b_changed (BtlLatentPage *self)
{
  g_clear_pointer (&self->interp_x[1], g_free);
  on_interp_changed (self);
}

gboolean
btl_latent_page_open_interp_image (BtlLatentPage  *self,
                                   int             end,
                                   const char     *path,
                                   GError        **error)
{
  const NnConfig *cfg;
  float *x;

  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), FALSE);
  g_return_val_if_fail (end == 0 || end == 1, FALSE);

  if (self->model == NULL)
    {
      g_set_error_literal (error, BTL_ERROR, BTL_ERROR_INVALID, _("There is no model yet"));
      return FALSE;
    }
  g_clear_pointer (&self->interp_x[end], g_free);
  g_clear_pointer (&self->interp_name[end], g_free);
  if (path != NULL)
    {
      cfg = nn_model_get_config (self->model);
      x = btl_latent_load_input (path, cfg->in_channels, cfg->in_height, cfg->in_width, error);
      if (x == NULL)
        return FALSE;
      self->interp_x[end] = x;
      self->interp_name[end] = g_path_get_basename (path);
    }
  gtk_notebook_set_current_page (self->tools_notebook, TAB_INTERPOLATION);
  btl_latent_page_tools_queue_update (self);
  return TRUE;
}

static void
interp_open_chosen (BtlLatentPage *self,
                    GFile         *file,
                    gpointer       data)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;

  if (path == NULL
      || !btl_latent_page_open_interp_image (self, GPOINTER_TO_INT (data), path, &error))
    btl_latent_page_show_message (self, error != NULL ? error->message
                                                      : _("Only local files can be opened"));
}

static void
on_interp_open_a (BtlLatentPage *self)
{
  btl_latent_page_choose_file (self, _("Interpolate From an Image"), FALSE, NULL,
                               interp_open_chosen, GINT_TO_POINTER (0));
}

static void
on_interp_open_b (BtlLatentPage *self)
{
  btl_latent_page_choose_file (self, _("Interpolate To an Image"), FALSE, NULL,
                               interp_open_chosen, GINT_TO_POINTER (1));
}

static void
on_traversal_changed (BtlLatentPage *self)
{
  if (!self->updating)
    btl_latent_page_tools_queue_update (self);
}

static void
on_tab_switched (BtlLatentPage *self)
{
  btl_latent_page_tools_queue_update (self);
}

gboolean
btl_latent_page_export_interpolation (BtlLatentPage  *self,
                                      const char     *path,
                                      GError        **error)
{
  const NnConfig *cfg;

  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->model == NULL)
    {
      g_set_error_literal (error, BTL_ERROR, BTL_ERROR_INVALID, _("There is no model yet"));
      return FALSE;
    }
  /* Export what the current weights give, even if the tab was never shown. */
  update_interpolation (self);
  cfg = nn_model_get_config (self->model);
  return btl_image_grid_save_png (path, self->strip, NULL, self->n_strip, cfg->in_channels,
                                  cfg->in_height, cfg->in_width, self->n_strip, 4, error);
}

gboolean
btl_latent_page_export_traversal (BtlLatentPage  *self,
                                  const char     *path,
                                  GError        **error)
{
  const NnConfig *cfg;
  int rows;

  g_return_val_if_fail (BTL_IS_LATENT_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->model == NULL)
    {
      g_set_error_literal (error, BTL_ERROR, BTL_ERROR_INVALID, _("There is no model yet"));
      return FALSE;
    }
  update_traversal (self);
  cfg = nn_model_get_config (self->model);
  rows = self->latent > 1 ? self->grid_size : 1;
  return btl_image_grid_save_png (path, self->grid, NULL, self->grid_size * rows,
                                  cfg->in_channels, cfg->in_height, cfg->in_width,
                                  self->grid_size, 3, error);
}

static void
export_chosen (BtlLatentPage *self,
               GFile         *file,
               gpointer       data)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (path == NULL)
    {
      btl_latent_page_show_message (self, _("Only local files can be written"));
      return;
    }
  ok = GPOINTER_TO_INT (data) == TAB_TRAVERSAL
       ? btl_latent_page_export_traversal (self, path, &error)
       : btl_latent_page_export_interpolation (self, path, &error);
  if (!ok)
    btl_latent_page_show_message (self, error->message);
  else
    {
      /* Said in the bar's note colours: Export is not followed by nothing. */
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *text = g_strdup_printf (_("Saved “%s”"), name);

      btl_latent_page_show_message (self, text);
      gtk_widget_add_css_class (gtk_revealer_get_child (self->message_revealer), "note");
    }
}

static void
on_interp_export (BtlLatentPage *self)
{
  if (self->model != NULL)
    btl_latent_page_choose_file (self, _("Export Interpolation"), TRUE, "interpolation.png",
                                 export_chosen, GINT_TO_POINTER (TAB_INTERPOLATION));
}

static void
on_traversal_export (BtlLatentPage *self)
{
  if (self->model != NULL)
    btl_latent_page_choose_file (self, _("Export Traversal"), TRUE, "traversal.png",
                                 export_chosen, GINT_TO_POINTER (TAB_TRAVERSAL));
}

void
btl_latent_page_tools_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_interp_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_interp_a_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_interp_b_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_interp_open_a);
  gtk_widget_class_bind_template_callback (widget_class, on_interp_open_b);
  gtk_widget_class_bind_template_callback (widget_class, on_interp_export);
  gtk_widget_class_bind_template_callback (widget_class, on_traversal_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_traversal_export);
  gtk_widget_class_bind_template_callback (widget_class, on_tab_switched);
}
