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

/* Pasting tries, in turn: the picture as PNG, JPEG, … bytes, which take the
 * path of an opened file (the pixel limit is checked before decoding, the
 * bytes are not decoded and encoded again); any picture GDK can make a
 * texture of; a file copied in a file manager. One type at a time, so that
 * the first type the source has wins, whatever order GDK would ask in. */
static const char *const paste_mime_types[] = {
  "image/png", "image/jpeg", "image/webp", "image/bmp", "image/tiff", NULL,
};

static void
show_no_picture (BtlCompressPage *self,
                 const GError    *error)
{
  if (error != NULL)
    g_debug ("paste: %s", error->message);
  btl_compress_page_show_message (self, _("The clipboard holds no picture: copy a picture or "
                                          "a picture file, then paste again"));
}

static void
on_paste_files_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (BtlCompressPage) self = user_data;
  g_autoptr (GError) error = NULL;
  const GValue *value;

  value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);
  if (value == NULL || !btl_compress_page_open_value (self, value))
    show_no_picture (self, error);
}

static void
on_paste_texture_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr (BtlCompressPage) self = user_data;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;

  texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  if (texture != NULL)
    {
      btl_compress_page_open_texture (self, texture);
      return;
    }
  g_debug ("paste as a texture: %s", error->message);
  gdk_clipboard_read_value_async (GDK_CLIPBOARD (source), GDK_TYPE_FILE_LIST,
                                  G_PRIORITY_DEFAULT, NULL, on_paste_files_done,
                                  g_steal_pointer (&self));
}

static void
read_texture (BtlCompressPage *self,
              GdkClipboard    *clipboard)
{
  gdk_clipboard_read_texture_async (clipboard, NULL, on_paste_texture_done, g_object_ref (self));
}

typedef struct
{
  BtlCompressPage *self;       /* owned */
  GdkClipboard    *clipboard;  /* owned */
  guint            next;       /* the next of paste_mime_types to ask for */
} PasteRead;

static void
paste_read_free (PasteRead *read)
{
  g_object_unref (read->self);
  g_object_unref (read->clipboard);
  g_free (read);
}

static void paste_read_next (PasteRead *read);

static void
on_paste_bytes_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  PasteRead *read = user_data;
  g_autoptr (GError) error = NULL;

  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, &error) < 0)
    {
      g_debug ("paste as %s: %s", paste_mime_types[read->next - 1], error->message);
      paste_read_next (read);
      return;
    }
  {
    g_autoptr (GBytes) bytes =
      g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (source));

    btl_compress_page_open_bytes (read->self, bytes, _("pasted picture"));
  }
  paste_read_free (read);
}

static void
on_paste_stream (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PasteRead *read = user_data;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GOutputStream) out = NULL;
  g_autoptr (GError) error = NULL;

  in = gdk_clipboard_read_finish (GDK_CLIPBOARD (source), result, NULL, &error);
  if (in == NULL)
    {
      g_debug ("paste as %s: %s", paste_mime_types[read->next - 1], error->message);
      paste_read_next (read);
      return;
    }
  out = g_memory_output_stream_new_resizable ();
  g_output_stream_splice_async (out, in,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE
                                | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, on_paste_bytes_done, read);
}

static void
paste_read_next (PasteRead *read)
{
  const char *mime_type = paste_mime_types[read->next];

  if (mime_type == NULL)
    {
      read_texture (read->self, read->clipboard);
      paste_read_free (read);
      return;
    }
  read->next++;
  gdk_clipboard_read_async (read->clipboard, (const char *[]) { mime_type, NULL },
                            G_PRIORITY_DEFAULT, NULL, on_paste_stream, read);
}

/* The clipboard button and Ctrl+V. */
static void
on_paste_clicked (BtlCompressPage *self)
{
  PasteRead *read = g_new0 (PasteRead, 1);

  read->self = g_object_ref (self);
  read->clipboard = g_object_ref (gtk_widget_get_clipboard (GTK_WIDGET (self)));
  paste_read_next (read);
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
      if (ok)
        {
          /* Beside the spinner, where the page says what it did. */
          g_autofree char *name = g_file_get_basename (file);
          g_autofree char *text = g_strdup_printf (_("Saved “%s”"), name);

          gtk_label_set_text (self->status_label, text);
        }
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

/* Ctrl+V pastes a picture wherever the focus is in the window while the page
 * is shown, except in a text field (a spin button, an entry): there it
 * pastes text. The window runs it after the focus widget had the key. */
static gboolean
paste_shortcut (GtkWidget *widget,
                GVariant  *args,
                gpointer   user_data)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (!gtk_widget_get_mapped (widget) || !gtk_widget_is_sensitive (widget))
    return FALSE;
  for (GtkWidget *w = root != NULL ? gtk_root_get_focus (root) : NULL; w != NULL;
       w = gtk_widget_get_parent (w))
    if (GTK_IS_EDITABLE (w))
      return FALSE;
  on_paste_clicked (BTL_COMPRESS_PAGE (widget));
  return TRUE;
}

void
btl_compress_page_class_init_io (GtkWidgetClass *widget_class)
{
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
  GtkEventController *shortcuts;

  /* Files from a file manager, or image data from a browser or an editor. */
  gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  /* Global: handled by the window, but only while this page is mapped. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                     GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_v,
                                                                                  GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (paste_shortcut,
                                                                                   NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
}
