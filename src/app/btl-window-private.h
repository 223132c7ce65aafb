/* btl-window-private.h — what the window's files share.
 *
 * btl-window.c: the window, its data set, settings and pages;
 * btl-window-actions.c: the window actions (training controls, files,
 * export, data set), the file choosers and the Space/Escape shortcuts.
 */
#pragma once

#include "btl-compress-page.h"
#include "btl-inspect-page.h"
#include "btl-latent-page.h"
#include "btl-window.h"

G_BEGIN_DECLS

struct _BtlWindow
{
  GtkApplicationWindow  parent_instance;

  /* template widgets */
  GtkHeaderBar         *header_bar;
  GtkMenuButton        *dataset_button;
  GtkButton            *train_button;
  GtkButton            *pause_button;
  GtkButton            *step_button;
  GtkButton            *stop_button;
  GtkStack             *stack;
  BtlTrainPage         *train_page;
  BtlCompressPage      *compress_page;
  BtlLatentPage        *latent_page;
  BtlInspectPage       *inspect_page;

  /* owned */
  GSettings            *settings;
  GCancellable         *cancellable;
  char                 *dataset_spec;
  BtlDataset           *train_data;     /* the Inspect page's threshold comes from it */

  /* state */
  gint64                created_us;
  guint                 dataset_loaded : 1;
  guint                 loading : 1;
};

void _btl_window_update_actions (BtlWindow  *self);
void _btl_window_show_error     (BtlWindow  *self,
                                 const char *what,
                                 GError     *error);
void _btl_window_add_actions    (BtlWindow  *self);

G_END_DECLS
