/* btl-window-private.h — what the window's files share.
 *
 * btl-window.c: the window, its data set, settings and pages;
 * btl-window-actions.c: the window actions (training controls, files,
 * export, data set), the file choosers and the Space/Escape shortcuts;
 * btl-window-project.c: project files (open, save, re-run) and the title.
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
  GtkWidget            *title_box;      /* project name over a subtitle; owned ref */
  GtkLabel             *title_label;
  GtkLabel             *subtitle_label;
  GMenu                *dataset_choices; /* the data set menu's radio items */

  /* owned */
  GSettings            *settings;
  GCancellable         *cancellable;
  char                 *dataset_spec;
  char                 *loading_spec;   /* the data set being loaded */
  char                 *next_dataset;   /* asked for while another loaded */
  char                 *status_before_load; /* what a failed load puts back */
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
void _btl_window_run_chooser    (BtlWindow            *self,
                                 const char           *title,
                                 GtkFileChooserAction  action,
                                 const char           *accept,
                                 const char           *current_name,
                                 const char           *filter_name,
                                 const char           *pattern,
                                 void                (*func) (BtlWindow *, GFile *, const char *),
                                 const char           *kind);

void _btl_window_update_dataset_menu (BtlWindow *self);

/* btl-window-project.c */
void _btl_window_add_project_actions (BtlWindow *self);
void _btl_window_update_title   (BtlWindow  *self);

G_END_DECLS
