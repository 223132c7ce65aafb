/* btl-latent-page-private.h — what btl-latent-page.c (sliders, decoding),
 * btl-latent-page-map.c (the map and its encoding task) and
 * btl-latent-page-tools.c (interpolation, traversal) share. */
#pragma once

#include "btl-latent-page.h"
#include "btl-pending-weights.h"
#include "btl-latent.h"

G_BEGIN_DECLS

struct _BtlLatentPage
{
  GtkWidget        parent_instance;

  /* template widgets */
  GtkWidget       *root;
  GtkRevealer     *message_revealer;
  GtkLabel        *message_label;
  GtkSpinButton   *image_spin;
  GtkLabel        *start_label;
  GtkWidget       *reset_button;
  GtkWidget       *random_button;
  GtkGrid         *slider_grid;
  GtkCheckButton  *show_all_check;
  GtkPicture      *decoded_picture;
  GtkLabel        *decode_label;
  GtkPicture      *hover_picture;
  GtkLabel        *hover_label;
  GtkNotebook     *tools_notebook;
  GtkSpinButton   *interp_a_spin;
  GtkSpinButton   *interp_b_spin;
  GtkSpinButton   *steps_spin;
  GtkDropDown     *mode_dropdown;
  GtkLabel        *interp_label;
  GtkPicture      *interp_picture;
  GtkSpinButton   *trav_x_spin;
  GtkSpinButton   *trav_y_spin;
  GtkSpinButton   *trav_size_spin;
  GtkLabel        *trav_label;
  GtkPicture      *trav_picture;
  GtkSpinner      *spinner;
  BtlScatterMap   *map;
  GtkLabel        *map_label;

  /* owned */
  NnModel         *model;          /* structure copy; its own weight buffer is unused */
  NnInference     *inf;            /* main-thread encoder/decoder */
  NnSnapshot      *snap;           /* the weights everything here is decoded with */
  BtlDataset      *test;
  BtlLatentSpace  *space;          /* test codes under the snapshot of the last encode */
  BtlPendingWeights pending;       /* weights that came while hidden, or too soon */
  gint64            followed_us;   /* when weights were last taken up while shown */
  guint             follow_id;     /* takes up the pending weights when due */
  GCancellable    *cancellable;    /* the encoding task; cancelled on a new model and in dispose */
  GRand           *rand;
  GPtrArray       *scales;         /* (latent) GtkScale per dimension, NULL where not shown */
  float           *z;              /* (latent) the sliders' code */
  float           *start_z;        /* (latent) the chosen image's code: Reset goes here */
  float           *start_x;        /* (input_dim) own start picture, NULL: test image */
  char            *start_name;
  float           *decoded;        /* (input_dim) */
  float           *interp_x[2];    /* (input_dim) own pictures for the strip ends, NULL: test */
  char            *interp_name[2];
  float           *strip;          /* (n_strip, input_dim) the strip on show, for export */
  int              n_strip;
  float           *grid;           /* (grid_size², input_dim) the traversal on show */
  int              grid_size;

  /* state */
  int              latent;
  int              input_dim;
  int              start_index;    /* test image the sliders start from, -1 = own picture */
  guint            following : 1;  /* sliders show the start code: follow newer weights */
  guint            updating : 1;   /* widgets being set from code, not by the person */
  guint            encoding : 1;
  guint            encode_pending : 1;
  guint            sliders_ordered : 1;  /* slider rows laid out by spread already */
  gint64           last_encode_us;
  guint            encode_timeout_id;
  guint            tools_idle_id;
  double           decode_sum_us;
  double           decode_max_us;
  guint            n_decodes;
};

/* An RGB texture of a CHW float image, each pixel scale×scale (nearest), so
 * small images stay crisp when GtkPicture draws them large. */
GdkTexture *btl_latent_page_texture           (const float    *x,
                                               int             channels,
                                               int             height,
                                               int             width,
                                               int             scale);
void        btl_latent_page_show_message      (BtlLatentPage  *self,
                                               const char     *message);
/* The input to encode for test image `index` or an own picture. */
const float *btl_latent_page_input            (BtlLatentPage  *self,
                                               int             index,
                                               const float    *own);
/* "test image 12 · Bag" */
char       *btl_latent_page_describe_image    (BtlLatentPage  *self,
                                               int             index);

typedef void (*BtlLatentPageFileFunc) (BtlLatentPage *self,
                                       GFile         *file,
                                       gpointer       data);
void        btl_latent_page_choose_file       (BtlLatentPage        *self,
                                               const char           *title,
                                               gboolean              save,
                                               const char           *suggested_name,
                                               BtlLatentPageFileFunc func,
                                               gpointer              data);

void        btl_latent_page_set_picture       (GtkPicture     *picture,
                                               GdkTexture     *texture);   /* takes texture */
/* Pixel scale that draws the model's images about `pixels` across. */
int         btl_latent_page_scale_for         (BtlLatentPage  *self,
                                               int             pixels);
/* Decodes self->z, shows it, moves the map marker: the timed path. */
void        btl_latent_page_decode_current    (BtlLatentPage  *self);
void        btl_latent_page_sync_sliders      (BtlLatentPage  *self);
void        btl_latent_page_rebuild_sliders   (BtlLatentPage  *self);

/* btl-latent-page-map.c */
void        btl_latent_page_map_class_init    (GtkWidgetClass *widget_class);
/* Encodes the test set for the map now or as soon as allowed. */
void        btl_latent_page_request_encode    (BtlLatentPage  *self);

/* btl-latent-page-tools.c (also the file chooser) */
void        btl_latent_page_tools_class_init  (GtkWidgetClass *widget_class);
void        btl_latent_page_tools_reset       (BtlLatentPage  *self);
void        btl_latent_page_tools_space_changed (BtlLatentPage *self,
                                                 gboolean       first);
/* Queues a redraw of the strip and the grid (coalesced, only when shown). */
void        btl_latent_page_tools_queue_update (BtlLatentPage *self);

G_END_DECLS
