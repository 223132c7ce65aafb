/* btl-compress-page-io.c — the Compress page's ways in and out: the file
 * chooser, the clipboard, drag-and-drop, saving the .btlz and exporting the
 * chart. See btl-compress-page.h. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "btl-compress-page-private.h"
#include "btl-tiles.h"

void
btl_compress_page_open_file (BtlCompressPage *self,
                             GFile           *file)
{
  g_autoptr (BtlCompressRequest) req = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (BTL_IS_COMPRESS_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *message = g_strdup_printf (_("%s is not a local file: save it first, "
                                                    "then open it"), uri);

      btl_compress_page_show_message (self, message);
      return;
    }
  req = btl_compress_request_new ();
  req->name = g_file_get_basename (file);
  req->path = g_steal_pointer (&path);
  btl_compress_page_start_job (self, g_steal_pointer (&req));
}

void
btl_compress_page_open_bytes (BtlCompressPage *self,
                              GBytes          *bytes,
                              const char      *name)
{
  BtlCompressRequest *req;

  g_return_if_fail (BTL_IS_COMPRESS_PAGE (self));
  g_return_if_fail (bytes != NULL);

  if (g_bytes_get_size (bytes) == 0)
    {
      btl_compress_page_show_message (self, _("The picture is empty"));
      return;
    }
  req = btl_compress_request_new ();
  req->bytes = g_bytes_ref (bytes);
  req->name = g_strdup (name != NULL ? name : _("pasted picture"));
  btl_compress_page_start_job (self, req);
}

void
btl_compress_page_open_texture (BtlCompressPage *self,
                                GdkTexture      *texture)
{
  g_autoptr (GBytes) png = NULL;

  g_return_if_fail (BTL_IS_COMPRESS_PAGE (self));
  g_return_if_fail (GDK_IS_TEXTURE (texture));

  /* Through PNG so a pasted picture takes exactly the path of an opened one
   * (pixel limit, alpha over white); its size is that of a PNG. */
  if ((gint64) gdk_texture_get_width (texture) * gdk_texture_get_height (texture)
      > BTL_IMAGE_MAX_PIXELS)
    {
      btl_compress_page_show_message (self, _("The pasted picture is above the pixel limit"));
      return;
    }
  png = gdk_texture_save_to_png_bytes (texture);
  btl_compress_page_open_bytes (self, png, _("pasted picture"));
}

static void
on_open_response (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  BtlCompressPage *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      btl_compress_page_open_file (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
on_open_clicked (BtlCompressPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;
  g_autoptr (GtkFileFilter) pictures = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) btlz = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Open Picture"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (pictures, _("Pictures"));
  gtk_file_filter_add_pixbuf_formats (pictures);
  gtk_file_filter_add_pattern (pictures, "*.btlz");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), pictures);
  gtk_file_filter_set_name (btlz, _("Compressed pictures (.btlz)"));
  gtk_file_filter_add_pattern (btlz, "*.btlz");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), btlz);
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_paste_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (BtlCompressPage) self = user_data;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;

  texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  if (texture == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The clipboard holds no picture (%s)"),
                                                  error->message);

      btl_compress_page_show_message (self, message);
      return;
    }
  btl_compress_page_open_texture (self, texture);
}

static void
on_paste_clicked (BtlCompressPage *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));

  gdk_clipboard_read_texture_async (clipboard, NULL, on_paste_done, g_object_ref (self));
}

gboolean
btl_compress_page_open_value (BtlCompressPage *self,
                              const GValue    *value)
{
  g_return_val_if_fail (BTL_IS_COMPRESS_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));

      if (files == NULL)
        return FALSE;
      /* One picture at a time: the first of several dropped files. */
      btl_compress_page_open_file (self, files->data);
      g_slist_free (files);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      btl_compress_page_open_file (self, g_value_get_object (value));
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      btl_compress_page_open_texture (self, g_value_get_object (value));
      return TRUE;
    }
  return FALSE;
}

static gboolean
on_drop (GtkDropTarget   *target,
         const GValue    *value,
         double           x,
         double           y,
         BtlCompressPage *self)
{
  return btl_compress_page_open_value (self, value);
}

/* ---------------------------------------------------------------- saving */

typedef enum { SAVE_BTLZ, SAVE_PNG, SAVE_SVG, SAVE_CSV } SaveKind;

static void
on_save_response (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  BtlCompressPage *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr (GError) error = NULL;
      SaveKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "kind"));
      gboolean ok;

      if (kind == SAVE_BTLZ)
        ok = btl_compress_page_save_btlz (self, path, &error);
      else
        ok = btl_compress_page_export_chart (self, path, &error);
      btl_compress_page_show_message (self, ok ? NULL : error->message);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
ask_save_path (BtlCompressPage *self,
               SaveKind         kind)
{
  static const char *const names[] = {
    "picture.btlz", "rate-distortion.png", "rate-distortion.svg", "rate-distortion.csv",
  };
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;

  dialog = gtk_file_chooser_native_new (kind == SAVE_BTLZ ? _("Save Compressed Picture")
                                                          : _("Export Chart"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  if (kind == SAVE_BTLZ && self->name != NULL)
    {
      g_autofree char *stem = g_strdup (self->name);
      char *dot = strrchr (stem, '.');

      if (dot != NULL)
        *dot = '\0';
      name = g_strconcat (stem, ".btlz", NULL);
    }
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog),
                                     name != NULL ? name : names[kind]);
  g_object_set_data (G_OBJECT (dialog), "kind", GINT_TO_POINTER (kind));
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_save_clicked (BtlCompressPage *self)
{
  ask_save_path (self, SAVE_BTLZ);
}

static void
on_export_clicked (BtlCompressPage *self,
                   GtkButton       *button)
{
  ask_save_path (self, button == self->export_svg_button ? SAVE_SVG
                       : button == self->export_csv_button ? SAVE_CSV : SAVE_PNG);
}

gboolean
btl_compress_page_save_btlz (BtlCompressPage  *self,
                             const char       *path,
                             GError          **error)
{
  const BtlCompareRow *row;
  gsize len;
  const char *data;

  g_return_val_if_fail (BTL_IS_COMPRESS_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->result == NULL || self->result->comparison == NULL
      || !self->result->comparison->rows[BTL_COMPARE_AUTOENCODER].available)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Nothing to save: compress a picture first"));
      return FALSE;
    }
  row = &self->result->comparison->rows[BTL_COMPARE_AUTOENCODER];
  data = g_bytes_get_data (row->data, &len);
  return g_file_set_contents (path, data, (gssize) len, error);
}

gboolean
btl_compress_page_export_chart (BtlCompressPage  *self,
                                const char       *path,
                                GError          **error)
{
  g_return_val_if_fail (BTL_IS_COMPRESS_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (g_str_has_suffix (path, ".csv"))
    return btl_rd_chart_save_csv (self->rd_chart, path, error);
  return btl_rd_chart_export (self->rd_chart, path, error);
}

static gboolean
paste_shortcut (GtkWidget *widget,
                GVariant  *args,
                gpointer   user_data)
{
  on_paste_clicked (BTL_COMPRESS_PAGE (widget));
  return TRUE;
}

void
btl_compress_page_class_init_io (GtkWidgetClass *widget_class)
{
  /* Ctrl+V while the focus is on the page (the window keeps its own keys). */
  gtk_widget_class_add_binding (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, paste_shortcut, NULL);
  gtk_widget_class_bind_template_callback (widget_class, on_open_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_paste_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked);
}

void
btl_compress_page_init_io (BtlCompressPage *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  GType types[] = BTL_COMPRESS_PAGE_DROP_TYPES;

  /* Files from a file manager, or image data from a browser or an editor. */
  gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}
