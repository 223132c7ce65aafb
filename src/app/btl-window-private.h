/* btl-window-private.h — what the window's files share.
 *
 * btl-window.c: the window, its data set, settings and pages;
 * btl-window-actions.c: the window actions (training controls, files,
 * export, data set), the file choosers and the Space/Escape shortcuts;
 * btl-window-project.c: project files (open, save, re-run) and the title;
 * btl-window-discard.c: the question before an unsaved run is dropped.
 */
#pragma once

#include "btl-compress-page.h"
#include "btl-inspect-page.h"
#include "btl-latent-page.h"
#include "btl-window.h"

G_BEGIN_DECLS

/* What a question about an unsaved run goes on with (btl-window-discard.c). */
typedef void (*BtlWindowProceedFunc) (BtlWindow *self,
                                      gpointer   data);

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

  /* a question before an unsaved run is dropped (btl-window-discard.c) */
  GtkWidget            *discard_dialog;   /* while shown */
  char                 *discard_consequence; /* its "Opening “a.btl” discards it." */
  BtlWindowProceedFunc  proceed_func;     /* what it asked about */
  gpointer              proceed_data;
  GDestroyNotify        proceed_destroy;
  gboolean              close_confirmed;  /* Discard (or Save…) said yes to closing */

  /* state */
  gint64                created_us;
  guint                 dataset_loaded : 1;
  guint                 loading : 1;
  guint                 dataset_is_folder : 1; /* the one in use is a picture folder… */
  guint                 train_after_load : 1;  /* Train reloads it first (another seed) */
  guint64               dataset_seed;          /* …cut with this seed… */
  double                dataset_val_split;     /* …and validation split */
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
/* Whether the picture folder in use was cut for another seed or validation
 * split than cfg's (the CLI cuts it with the run's). */
gboolean _btl_window_folder_cut_differs (BtlWindow      *self,
                                         const NnConfig *cfg);
gboolean _btl_window_save_file  (BtlWindow  *self,
                                 GFile      *file,
                                 const char *kind);

/* btl-window-discard.c: what would drop an unsaved run (opening, another
 * data set, closing) asks first. func runs at once when there is nothing
 * to lose, after Discard, or after Save… has saved; not after Cancel.
 * consequence: the sentence that says what would happen ("Opening “a.btl”
 * discards it."). data is freed with destroy either way. */
void _btl_window_confirm_discard (BtlWindow            *self,
                                  const char           *consequence,
                                  BtlWindowProceedFunc  func,
                                  gpointer              data,
                                  GDestroyNotify        destroy);
void _btl_window_clear_discard   (BtlWindow            *self);
/* The same for opening file: func (self, file) once answered. */
void _btl_window_confirm_open    (BtlWindow            *self,
                                  GFile                *file,
                                  BtlWindowProceedFunc  func);
/* The question's text follows the run (it may finish while asked). */
void _btl_window_update_discard  (BtlWindow            *self);

/* btl-window-project.c */
void _btl_window_add_project_actions (BtlWindow *self);
void _btl_window_update_title   (BtlWindow  *self);
void _btl_window_open_project_now (BtlWindow *self,
                                   GFile     *file);
gboolean _btl_window_save_project_file (BtlWindow *self,
                                        GFile     *file);

G_END_DECLS
