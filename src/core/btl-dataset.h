/* btl-dataset.h — in-memory image data sets (IDX files, later image folders).
 *
 * A BtlDataset is a plain struct with an atomic reference count, registered as
 * a GBoxed type (BTL_TYPE_DATASET, copy = ref) so it can travel through GObject
 * properties and signals. Treat every field as read-only once the data set has
 * been handed out: subsets share their parent's pixel buffer.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BTL_TYPE_DATASET (btl_dataset_get_type ())

/* Refuse data sets whose float pixel buffer would exceed this (2 GiB). */
#define BTL_DATASET_MAX_BYTES (G_GUINT64_CONSTANT (1) << 31)

typedef struct
{
  char               *name;         /* "fashion-mnist", or the folder's base name */
  int                 n;            /* number of images */
  int                 channels;     /* 1 (gray) or 3 (RGB) */
  int                 height;
  int                 width;
  float              *images;       /* (n, channels·height·width), CHW per row, in [0,1] */
  guint8             *labels;       /* (n), or NULL when the data set has none */
  int                 n_classes;    /* 0 when labels == NULL */
  const char *const  *class_names;  /* (n_classes) untranslated; see btl_dataset_class_name() */
} BtlDataset;

GType       btl_dataset_get_type (void) G_GNUC_CONST;

/* A new data set with zeroed pixels (and zeroed labels when n_classes > 0;
 * class names are then "0", "1", …). Returns NULL with an error when the size
 * is out of range. */
BtlDataset *btl_dataset_new (const char  *name,
                             int          n,
                             int          channels,
                             int          height,
                             int          width,
                             int          n_classes,
                             GError     **error);

BtlDataset *btl_dataset_ref (BtlDataset *ds);
void        btl_dataset_unref (BtlDataset *ds);

/* Reads an MNIST-format IDX image file (magic 0x0803: n×h×w unsigned bytes;
 * 0x0804 with a last dimension of 1 or 3 for n×h×w×c) and, if labels_path is
 * non-NULL, its IDX label file (0x0801). Either may be gzip-compressed (detected
 * by content, not by name). Every header field is checked against the real
 * size before anything is allocated; errors (BTL_ERROR_CORRUPT,
 * BTL_ERROR_TOO_LARGE, G_FILE_ERROR) name the file and the problem.
 * Classes: "0".."9" style names, n_classes = largest label + 1. */
BtlDataset *btl_dataset_load_idx (const char  *images_path,
                                  const char  *labels_path,
                                  GError     **error);

/* The directory "fashion-mnist" stands for: $BTL_DATA_DIR if set, else
 * DEFAULT_DATA_DIR from config.h. Returns a newly allocated string. */
char       *btl_dataset_default_dir (void);

/* spec: "fashion-mnist" (the default directory above) or a directory holding
 * MNIST-format files named train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each optionally ".gz";
 * "train-images.idx3-ubyte" spelling accepted too; colour sets may use
 * "idx4" for their images). Loads both halves; labels
 * are optional. Fashion-MNIST gets its 10 class names. (Image folders: issue 6.) */
gboolean    btl_dataset_open (const char  *spec,
                              BtlDataset **train,
                              BtlDataset **test,
                              GError     **error);

/* A view of images [first, first + count) sharing ds's buffers (keeps ds alive).
 * count is clamped to what exists; count <= 0 means "to the end". Returns NULL
 * if first is out of range. */
BtlDataset *btl_dataset_subset (BtlDataset *ds,
                                int         first,
                                int         count);

/* channels·height·width */
int         btl_dataset_dim (const BtlDataset *ds);

/* Pointer to image i: (dim) floats. */
const float *btl_dataset_image (const BtlDataset *ds,
                                int               i);

/* Translated name of class k (gettext domain GETTEXT_PACKAGE), or "" if out of range. */
const char *btl_dataset_class_name (const BtlDataset *ds,
                                    int               k);

/* Fills indices with up to count distinct image indices that cycle through the
 * classes (first image of class 0, of class 1, …, then the second of each, …)
 * so a grid of 16–32 shows every class; evenly spaced indices when there are no
 * labels. Deterministic. Returns how many were written (min (count, n)). */
int         btl_dataset_pick_showcase (const BtlDataset *ds,
                                       int               count,
                                       int              *indices);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtlDataset, btl_dataset_unref)

G_END_DECLS
