/* btl-window-discard.c — asking before an unsaved run is dropped.
 *
 * Opening a model or project (menu, drop, a file given to the running
 * app), choosing another data set and closing the window all replace the
 * Train page's run. When it trains, or has trained since it was last saved
 * or opened, the window asks first: Cancel, Discard, or Save… — the Save
 * Model chooser (Save Project for a project's run, once it has stopped),
 * after which the window goes on with what was asked.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "btl-a11y.h"
#include "btl-window-private.h"

enum {
  RESPONSE_DISCARD = 1,
  RESPONSE_SAVE = 2,
};

/* The dialog may outlive this call (a button's "clicked" emission holds it)
 * and the window may be gone by then (Discard closed it): GTK would then
 * unset its transient parent on a freed window. Unset it now. */
static void
destroy_dialog (GtkWidget *dialog)
{
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The pending action is dropped (Cancel, or another question replaces it). */
void
_btl_window_clear_discard (BtlWindow *self)
{
  GDestroyNotify destroy = self->proceed_destroy;
  gpointer data = self->proceed_data;

  self->proceed_func = NULL;
  self->proceed_data = NULL;
  self->proceed_destroy = NULL;
  if (destroy != NULL)
    destroy (data);
  if (self->discard_dialog != NULL)
    destroy_dialog (g_steal_pointer (&self->discard_dialog));
  g_clear_pointer (&self->discard_consequence, g_free);
}

void
_btl_window_update_discard (BtlWindow *self)
{
  const char *what;

  if (self->discard_dialog == NULL)
    return;
  what = btl_train_page_get_state (self->train_page) != BTL_TRAIN_STATE_IDLE
         ? _("The model in training has not been saved.")
         : _("The trained model has not been saved.");
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (self->discard_dialog), "%s %s",
                                            what, self->discard_consequence);
}

static void
on_dialog_destroy (GtkWidget *dialog,
                   BtlWindow *self)
{
  if (self->discard_dialog == dialog)
    self->discard_dialog = NULL;
}

static void
proceed (BtlWindow *self)
{
  BtlWindowProceedFunc func = self->proceed_func;
  GDestroyNotify destroy = self->proceed_destroy;
  gpointer data = self->proceed_data;

  self->proceed_func = NULL;
  self->proceed_data = NULL;
  self->proceed_destroy = NULL;
  if (func != NULL)
    func (self, data);
  if (destroy != NULL)
    destroy (data);
}

/* The Save… chooser's file: saved, the window goes on. */
static void
save_then_proceed (BtlWindow  *self,
                   GFile      *file,
                   const char *kind)
{
  gboolean saved = g_str_equal (kind, "project") ? _btl_window_save_project_file (self, file)
                                                 : _btl_window_save_file (self, file, "model");

  if (saved && self->proceed_func != NULL)
    proceed (self);
}

static void
on_response (GtkDialog *dialog,
             int        response,
             BtlWindow *self)
{
  g_object_ref (self);
  self->discard_dialog = NULL;
  destroy_dialog (GTK_WIDGET (dialog));

  switch (response)
    {
    case RESPONSE_DISCARD:
      proceed (self);
      break;

    case RESPONSE_SAVE:
      {
        BtlTrainPage *page = self->train_page;
        const char *project = btl_train_page_get_project_name (page);

        /* A project's run is saved as the project it is (that needs the
         * run stopped); otherwise, or while it trains, as a model (the
         * latest weights). The question's action waits for the file. */
        if (project != NULL && btl_train_page_get_state (page) == BTL_TRAIN_STATE_IDLE)
          {
            g_autofree char *name = g_strconcat (project, BTL_PROJECT_EXTENSION, NULL);

            _btl_window_run_chooser (self, _("Save Project"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                     name, _("Bottleneck projects"), "*" BTL_PROJECT_EXTENSION,
                                     save_then_proceed, "project");
          }
        else
          _btl_window_run_chooser (self, _("Save Model"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                   "model.btl", _("Bottleneck models"), "*.btl",
                                   save_then_proceed, "model");
      }
      break;

    default:  /* Cancel, Escape, the dialog closed */
      _btl_window_clear_discard (self);
      break;
    }
  g_object_unref (self);
}

void
_btl_window_confirm_discard (BtlWindow            *self,
                             const char           *consequence,
                             BtlWindowProceedFunc  func,
                             gpointer              data,
                             GDestroyNotify        destroy)
{
  GtkWidget *dialog;
  GtkWidget *button;

  g_assert (BTL_IS_WINDOW (self));
  g_assert (func != NULL);

  /* A newer question replaces an older one (and what it asked about). */
  _btl_window_clear_discard (self);
  self->proceed_func = func;
  self->proceed_data = data;
  self->proceed_destroy = destroy;

  if (!btl_train_page_has_unsaved_run (self->train_page))
    {
      proceed (self);
      return;
    }

  dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   "%s", _("Discard the Trained Model?"));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  button = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Discard"), RESPONSE_DISCARD);
  gtk_widget_add_css_class (button, "destructive-action");
  button = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Save…"), RESPONSE_SAVE);
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), RESPONSE_SAVE);
  /* Read "Cancel", not "_Cancel Cancel"; the dialog by its question. */
  btl_a11y_fix_mnemonic_names (dialog);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dialog), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Discard the Trained Model?"), -1);
  g_signal_connect (dialog, "response", G_CALLBACK (on_response), self);
  g_signal_connect (dialog, "destroy", G_CALLBACK (on_dialog_destroy), self);

  self->discard_dialog = dialog;
  self->discard_consequence = g_strdup (consequence);
  _btl_window_update_discard (self);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_btl_window_confirm_open (BtlWindow            *self,
                          GFile                *file,
                          BtlWindowProceedFunc  func)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *consequence = g_strdup_printf (_("Opening “%s” discards it."), name);

  _btl_window_confirm_discard (self, consequence, func, g_object_ref (file), g_object_unref);
}

gboolean
btl_window_has_unsaved_run (BtlWindow *self)
{
  g_return_val_if_fail (BTL_IS_WINDOW (self), FALSE);

  return btl_train_page_has_unsaved_run (self->train_page);
}

GtkWindow *
btl_window_get_discard_dialog (BtlWindow *self)
{
  g_return_val_if_fail (BTL_IS_WINDOW (self), NULL);

  return self->discard_dialog != NULL ? GTK_WINDOW (self->discard_dialog) : NULL;
}
