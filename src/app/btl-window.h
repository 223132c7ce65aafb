/* btl-window.h — the explorer window: header bar, pages, actions. */
#pragma once

#include <gtk/gtk.h>

#include "btl-application.h"
#include "btl-train-page.h"

G_BEGIN_DECLS

#define BTL_TYPE_WINDOW (btl_window_get_type ())

G_DECLARE_FINAL_TYPE (BtlWindow, btl_window, BTL, WINDOW, GtkApplicationWindow)

BtlWindow    *btl_window_new            (BtlApplication *application);
/* Loads "fashion-mnist" or an IDX folder off the main thread. */
void          btl_window_load_dataset   (BtlWindow      *self,
                                         const char     *spec);
gboolean      btl_window_is_dataset_loaded (BtlWindow   *self);
/* Opens a .btl model or a .btlproj project (told apart by content);
 * errors show in the window. Asks first when it would drop an unsaved run
 * (btl_window_has_unsaved_run()): then it opens once answered. */
void          btl_window_open_model     (BtlWindow      *self,
                                         GFile          *file);
/* Opens a .btlproj project: loads its data set if another is in use and
 * restores the window. Asks first like btl_window_open_model(). */
void          btl_window_open_project   (BtlWindow      *self,
                                         GFile          *file);
/* Saves the Train page's run as a project (".btlproj" is added when the
 * name lacks it); errors show in the window. */
void          btl_window_save_project   (BtlWindow      *self,
                                         GFile          *file);
BtlTrainPage *btl_window_get_train_page (BtlWindow      *self);
/* A run trains, or has trained since it was saved or opened: opening
 * another model, loading another data set or closing asks first. */
gboolean      btl_window_has_unsaved_run (BtlWindow     *self);
/* The question shown before an unsaved run is dropped, or NULL (tests). */
GtkWindow    *btl_window_get_discard_dialog (BtlWindow  *self);

G_END_DECLS
