/* btl-dataset.c — reference-counted image data sets. See btl-dataset.h. */
#include "config.h"

#include "btl-dataset.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "btl-error.h"
#include "btl-idx.h"
#include "btl-image-folder.h"

/* The public struct first, so a BtlDataset* is a BtlDatasetReal*. */
typedef struct
{
  BtlDataset   pub;
  gint         ref_count;
  BtlDataset  *parent;        /* owned ref when this is a subset (shares buffers) */
  char       **owned_names;   /* generated class names, or NULL */
} BtlDatasetReal;

static const char *const fashion_mnist_classes[] = {
  N_("T-shirt/top"), N_("Trouser"), N_("Pullover"), N_("Dress"), N_("Coat"),
  N_("Sandal"), N_("Shirt"), N_("Sneaker"), N_("Bag"), N_("Ankle boot"),
};

static const char *const digit_classes[] = {
  "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
};

G_DEFINE_BOXED_TYPE (BtlDataset, btl_dataset, btl_dataset_ref, btl_dataset_unref)

static BtlDatasetReal *
dataset_alloc (const char *name)
{
  BtlDatasetReal *real = g_new0 (BtlDatasetReal, 1);

  real->ref_count = 1;
  real->pub.name = g_strdup (name != NULL ? name : "");
  return real;
}

/* Names "0".."n-1": static for ≤ 10 classes, generated beyond. */
static void
dataset_set_numbered_classes (BtlDatasetReal *real,
                              int             n_classes)
{
  real->pub.n_classes = n_classes;
  if (n_classes <= (int) G_N_ELEMENTS (digit_classes))
    {
      real->pub.class_names = digit_classes;
      return;
    }
  real->owned_names = g_new0 (char *, n_classes + 1);
  for (int k = 0; k < n_classes; k++)
    real->owned_names[k] = g_strdup_printf ("%d", k);
  real->pub.class_names = (const char *const *) real->owned_names;
}

BtlDataset *
btl_dataset_new (const char  *name,
                 int          n,
                 int          channels,
                 int          height,
                 int          width,
                 int          n_classes,
                 GError     **error)
{
  BtlDatasetReal *real;
  guint64 elements;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n <= 0 || height <= 0 || width <= 0 || (channels != 1 && channels != 3)
      || n_classes < 0 || n_classes > 256)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_INVALID,
                   _("Invalid data set shape: %d images of %d×%d×%d, %d classes"),
                   n, channels, height, width, n_classes);
      return NULL;
    }
  elements = (guint64) n * channels * height * width;
  if (elements > BTL_DATASET_MAX_BYTES / sizeof (float)
      || (guint64) channels * height * width > G_MAXINT)
    {
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("A data set of %d images of %d×%d×%d is above the %llu MiB limit"),
                   n, channels, height, width,
                   (unsigned long long) (BTL_DATASET_MAX_BYTES >> 20));
      return NULL;
    }

  real = dataset_alloc (name);
  real->pub.n = n;
  real->pub.channels = channels;
  real->pub.height = height;
  real->pub.width = width;
  real->pub.images = g_try_malloc0 (elements * sizeof (float));
  if (real->pub.images == NULL)
    {
      btl_dataset_unref (&real->pub);
      g_set_error (error, BTL_ERROR, BTL_ERROR_TOO_LARGE,
                   _("Not enough memory for %d images of %d×%d×%d"),
                   n, channels, height, width);
      return NULL;
    }
  if (n_classes > 0)
    {
      real->pub.labels = g_new0 (guint8, n);
      dataset_set_numbered_classes (real, n_classes);
    }
  return &real->pub;
}

BtlDataset *
btl_dataset_ref (BtlDataset *ds)
{
  BtlDatasetReal *real = (BtlDatasetReal *) ds;

  g_return_val_if_fail (ds != NULL, NULL);
  g_return_val_if_fail (real->ref_count > 0, NULL);

  g_atomic_int_inc (&real->ref_count);
  return ds;
}

void
btl_dataset_unref (BtlDataset *ds)
{
  BtlDatasetReal *real = (BtlDatasetReal *) ds;

  g_return_if_fail (ds != NULL);
  g_return_if_fail (real->ref_count > 0);

  if (!g_atomic_int_dec_and_test (&real->ref_count))
    return;

  if (real->parent != NULL)
    btl_dataset_unref (real->parent);   /* images/labels belong to it */
  else
    {
      g_free (ds->images);
      g_free (ds->labels);
    }
  g_strfreev (real->owned_names);
  g_free (ds->name);
  g_free (real);
}

BtlDataset *
btl_dataset_load_idx (const char  *images_path,
                      const char  *labels_path,
                      GError     **error)
{
  g_autofree char *base = NULL;
  BtlDatasetReal *real;
  float *images = NULL;
  guint8 *labels = NULL;
  int n, c, h, w, n_labels = 0;

  g_return_val_if_fail (images_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!btl_idx_read_images (images_path, &n, &c, &h, &w, &images, error))
    return NULL;

  if (labels_path != NULL)
    {
      if (!btl_idx_read_labels (labels_path, &n_labels, &labels, error))
        {
          g_free (images);
          return NULL;
        }
      if (n_labels != n)
        {
          g_autofree char *di = g_filename_display_name (images_path);
          g_autofree char *dl = g_filename_display_name (labels_path);

          g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
                       _("%s has %d labels but %s has %d images"),
                       dl, n_labels, di, n);
          g_free (images);
          g_free (labels);
          return NULL;
        }
    }

  base = g_path_get_basename (images_path);
  real = dataset_alloc (base);
  real->pub.n = n;
  real->pub.channels = c;
  real->pub.height = h;
  real->pub.width = w;
  real->pub.images = images;
  real->pub.labels = labels;
  if (labels != NULL)
    {
      int max_label = 0;

      for (int i = 0; i < n; i++)
        max_label = MAX (max_label, labels[i]);
      dataset_set_numbered_classes (real, max_label + 1);
    }
  return &real->pub;
}

char *
btl_dataset_default_dir (void)
{
  const char *env = g_getenv ("BTL_DATA_DIR");

  return g_strdup (env != NULL && env[0] != '\0' ? env : DEFAULT_DATA_DIR);
}

/* Finds "<prefix>-<kind>-<idx>" in dir under its usual spellings, or NULL. */
static char *
find_idx_file (const char *dir,
               const char *prefix,
               const char *kind,     /* "images" / "labels" */
               const char *idx)      /* "idx3" / "idx1" */
{
  const char *const patterns[] = { "%s-%s-%s-ubyte", "%s-%s.%s-ubyte" };
  const char *const suffixes[] = { "", ".gz" };

  for (guint p = 0; p < G_N_ELEMENTS (patterns); p++)
    for (guint s = 0; s < G_N_ELEMENTS (suffixes); s++)
      {
        g_autofree char *name = NULL;
        g_autofree char *full = NULL;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        name = g_strdup_printf (patterns[p], prefix, kind, idx);
#pragma GCC diagnostic pop
        full = g_strconcat (dir, G_DIR_SEPARATOR_S, name, suffixes[s], NULL);
        if (g_file_test (full, G_FILE_TEST_IS_REGULAR))
          return g_steal_pointer (&full);
      }
  return NULL;
}

static BtlDataset *
load_half (const char  *dir,
           const char  *prefix,
           const char  *name,
           gboolean     fashion,
           GError     **error)
{
  g_autofree char *images = find_idx_file (dir, prefix, "images", "idx3");
  g_autofree char *labels = find_idx_file (dir, prefix, "labels", "idx1");
  BtlDatasetReal *real;
  BtlDataset *ds;

  /* Colour images are four-dimensional (n, h, w, c). */
  if (images == NULL)
    images = find_idx_file (dir, prefix, "images", "idx4");
  if (images == NULL)
    {
      g_autofree char *display = g_filename_display_name (dir);

      if (fashion)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                     _("%s: no %s-images-idx3-ubyte[.gz] file here (install the "
                       "dataset-fashion-mnist package, or point BTL_DATA_DIR at "
                       "Fashion-MNIST)"), display, prefix);
      else
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                     _("%s: no %s-images-idx3-ubyte[.gz] file here"), display, prefix);
      return NULL;
    }

  ds = btl_dataset_load_idx (images, labels, error);
  if (ds == NULL)
    return NULL;

  real = (BtlDatasetReal *) ds;
  g_free (ds->name);
  ds->name = g_strdup (name);
  if (fashion && ds->labels != NULL && ds->n_classes <= 10)
    {
      g_clear_pointer (&real->owned_names, g_strfreev);
      ds->n_classes = 10;
      ds->class_names = fashion_mnist_classes;
    }
  return ds;
}

gboolean
btl_dataset_open (const char  *spec,
                  BtlDataset **train,
                  BtlDataset **test,
                  GError     **error)
{
  g_autoptr(BtlDataset) tr = NULL;
  g_autoptr(BtlDataset) te = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  gboolean fashion;

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (train != NULL && test != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_strcmp0 (spec, "fashion-mnist") == 0)
    {
      dir = btl_dataset_default_dir ();
      name = g_strdup ("fashion-mnist");
      fashion = TRUE;
    }
  else if (g_file_test (spec, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *base = NULL;
      g_autofree char *lower = NULL;

      dir = g_strdup (spec);
      base = g_path_get_basename (spec);
      lower = g_ascii_strdown (base, -1);
      fashion = strstr (lower, "fashion") != NULL;
      name = fashion ? g_strdup ("fashion-mnist") : g_steal_pointer (&base);
    }
  else
    {
      g_autofree char *display = g_filename_display_name (spec);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("%s: no such data set (give “fashion-mnist”, a folder "
                     "with MNIST-format IDX files or a folder of pictures)"), display);
      return FALSE;
    }

  if (fashion && !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *display = g_filename_display_name (dir);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("Fashion-MNIST not found in %s (install the dataset-fashion-mnist "
                     "package, or point BTL_DATA_DIR at it)"), display);
      return FALSE;
    }

  /* A folder of the person's own pictures (and no IDX files): random tiles,
   * split by picture, with the default options (32 × 32, gray or RGB by the
   * pictures' content). Skipped pictures are only reported by
   * btl_image_folder_load itself; callers wanting the notes use it directly. */
  if (!fashion && btl_image_folder_detect (dir))
    {
      if (!btl_image_folder_load (dir, NULL, &tr, &te, NULL, error))
        return FALSE;
      *train = g_steal_pointer (&tr);
      *test = g_steal_pointer (&te);
      return TRUE;
    }

  tr = load_half (dir, "train", name, fashion, error);
  if (tr == NULL)
    return FALSE;
  te = load_half (dir, "t10k", name, fashion, error);
  if (te == NULL)
    return FALSE;

  if (tr->channels != te->channels || tr->height != te->height || tr->width != te->width)
    {
      g_autofree char *display = g_filename_display_name (dir);

      g_set_error (error, BTL_ERROR, BTL_ERROR_CORRUPT,
                   _("%s: training images are %d×%d×%d but test images are %d×%d×%d"),
                   display, tr->channels, tr->height, tr->width,
                   te->channels, te->height, te->width);
      return FALSE;
    }
  /* Both halves share one class list. */
  if (tr->labels != NULL && te->labels != NULL && tr->n_classes != te->n_classes
      && !fashion)
    {
      BtlDatasetReal *small = (BtlDatasetReal *) (tr->n_classes < te->n_classes ? tr : te);
      int n_classes = MAX (tr->n_classes, te->n_classes);

      g_clear_pointer (&small->owned_names, g_strfreev);
      dataset_set_numbered_classes (small, n_classes);
    }

  *train = g_steal_pointer (&tr);
  *test = g_steal_pointer (&te);
  return TRUE;
}

BtlDataset *
btl_dataset_subset (BtlDataset *ds,
                    int         first,
                    int         count)
{
  BtlDatasetReal *real;
  BtlDatasetReal *parent = (BtlDatasetReal *) ds;
  size_t dim;

  g_return_val_if_fail (ds != NULL, NULL);

  if (first < 0 || first >= ds->n)
    return NULL;
  if (count <= 0 || count > ds->n - first)
    count = ds->n - first;

  dim = (size_t) btl_dataset_dim (ds);
  real = dataset_alloc (ds->name);
  /* Hold the root, not an intermediate subset: buffers belong to it. */
  real->parent = btl_dataset_ref (parent->parent != NULL ? parent->parent : ds);
  real->pub.n = count;
  real->pub.channels = ds->channels;
  real->pub.height = ds->height;
  real->pub.width = ds->width;
  real->pub.images = ds->images + (size_t) first * dim;
  real->pub.labels = ds->labels != NULL ? ds->labels + first : NULL;
  real->pub.n_classes = ds->n_classes;
  /* Class names live in the root (static or owned), which we keep alive. */
  real->pub.class_names = ds->class_names;
  return &real->pub;
}

int
btl_dataset_dim (const BtlDataset *ds)
{
  g_return_val_if_fail (ds != NULL, 0);

  return ds->channels * ds->height * ds->width;
}

const float *
btl_dataset_image (const BtlDataset *ds,
                   int               i)
{
  g_return_val_if_fail (ds != NULL, NULL);
  g_return_val_if_fail (i >= 0 && i < ds->n, NULL);

  return ds->images + (size_t) i * (size_t) btl_dataset_dim (ds);
}

const char *
btl_dataset_class_name (const BtlDataset *ds,
                        int               k)
{
  g_return_val_if_fail (ds != NULL, "");

  if (ds->class_names == NULL || k < 0 || k >= ds->n_classes)
    return "";
  return g_dgettext (GETTEXT_PACKAGE, ds->class_names[k]);
}

int
btl_dataset_pick_showcase (const BtlDataset *ds,
                           int               count,
                           int              *indices)
{
  g_autofree gboolean *taken = NULL;
  g_autofree int *next = NULL;
  int written = 0;

  g_return_val_if_fail (ds != NULL, 0);
  g_return_val_if_fail (count <= 0 || indices != NULL, 0);

  count = MIN (count, ds->n);
  if (count <= 0)
    return 0;

  if (ds->labels == NULL || ds->n_classes <= 0)
    {
      for (int i = 0; i < count; i++)
        indices[i] = (int) ((gint64) i * ds->n / count);
      return count;
    }

  /* Round robin over classes: the j-th image of each class in turn. */
  taken = g_new0 (gboolean, ds->n);
  next = g_new0 (int, ds->n_classes);
  while (written < count)
    {
      gboolean progress = FALSE;

      for (int k = 0; k < ds->n_classes && written < count; k++)
        {
          while (next[k] < ds->n && ds->labels[next[k]] != k)
            next[k]++;
          if (next[k] < ds->n)
            {
              indices[written++] = next[k];
              taken[next[k]] = TRUE;
              next[k]++;
              progress = TRUE;
            }
        }
      if (!progress)
        break;
    }
  /* Labels outside [0, n_classes) cannot happen, but never write fewer than asked. */
  for (int i = 0; i < ds->n && written < count; i++)
    if (!taken[i])
      indices[written++] = i;
  return written;
}
