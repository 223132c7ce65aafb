/* btl-model-info.c — BtlModelInfo (declared in btl-model-file.h) and its
 * "key=value" text form, the INFO chunk of a .btl file. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "btl-model-file.h"
#include "btl-model-info-private.h"

void
btl_model_info_init (BtlModelInfo *info)
{
  g_return_if_fail (info != NULL);

  memset (info, 0, sizeof *info);
  info->epochs_trained = 0;
  info->best_epoch = -1;
  info->train_loss = NAN;
  info->val_loss = NAN;
  info->test_mse = NAN;
  info->test_psnr_db = NAN;
  info->test_ssim = NAN;
  info->created = 0;
  info->train_seconds = NAN;
  info->samples_per_s = NAN;
}

void
btl_model_info_clear (BtlModelInfo *info)
{
  g_return_if_fail (info != NULL);

  g_free (info->latent_min);
  g_free (info->latent_max);
  g_free (info->latent_mean);
  g_free (info->latent_std);
  btl_model_info_init (info);
}

static float *
dup_or_nan (const float *src,
            int          n)
{
  float *dst = g_new (float, n);

  for (int i = 0; i < n; i++)
    dst[i] = src != NULL ? src[i] : NAN;
  return dst;
}

void
btl_model_info_set_latent_stats (BtlModelInfo *info,
                                 int           latent_dim,
                                 const float  *min,
                                 const float  *max,
                                 const float  *mean,
                                 const float  *std)
{
  g_return_if_fail (info != NULL);
  g_return_if_fail (latent_dim >= 0);

  g_clear_pointer (&info->latent_min, g_free);
  g_clear_pointer (&info->latent_max, g_free);
  g_clear_pointer (&info->latent_mean, g_free);
  g_clear_pointer (&info->latent_std, g_free);
  info->latent_dim = latent_dim;
  if (latent_dim == 0)
    return;
  info->latent_min = dup_or_nan (min, latent_dim);
  info->latent_max = dup_or_nan (max, latent_dim);
  info->latent_mean = dup_or_nan (mean, latent_dim);
  info->latent_std = dup_or_nan (std, latent_dim);
}

void
btl_model_info_copy (BtlModelInfo       *dest,
                     const BtlModelInfo *src)
{
  g_return_if_fail (dest != NULL && src != NULL);

  *dest = *src;
  dest->latent_dim = 0;
  dest->latent_min = dest->latent_max = dest->latent_mean = dest->latent_std = NULL;
  btl_model_info_set_latent_stats (dest, src->latent_dim, src->latent_min,
                                   src->latent_max, src->latent_mean, src->latent_std);
}

static void
append_double (GString    *s,
               const char *key,
               double      v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, "%s=%s\n", key, g_ascii_dtostr (buf, sizeof buf, v));
}

char *
btl_model_info_to_text (const BtlModelInfo *info)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "epochs_trained=%d\n", info->epochs_trained);
  g_string_append_printf (s, "best_epoch=%d\n", info->best_epoch);
  append_double (s, "train_loss", info->train_loss);
  append_double (s, "val_loss", info->val_loss);
  append_double (s, "test_mse", info->test_mse);
  append_double (s, "test_psnr_db", info->test_psnr_db);
  append_double (s, "test_ssim", info->test_ssim);
  g_string_append_printf (s, "created=%" G_GINT64_FORMAT "\n",
                          info->created != 0 ? info->created
                                             : g_get_real_time () / G_USEC_PER_SEC);
  append_double (s, "train_seconds", info->train_seconds);
  append_double (s, "samples_per_s", info->samples_per_s);
  /* How pixels became inputs, for readers that feed the model themselves. */
  g_string_append (s, "input_scaling=x/255\n");
  g_string_append (s, "writer=" PACKAGE_NAME " " PACKAGE_VERSION "\n");
  return g_string_free (s, FALSE);
}

static double
parse_double (const char *s)
{
  char *end = NULL;
  double v = g_ascii_strtod (s, &end);

  return end != s && *end == '\0' ? v : NAN;
}

void
btl_model_info_parse_text (BtlModelInfo *info,
                           const char   *data,
                           gsize         len)
{
  g_autofree char *text = g_strndup (data, len);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');
      const char *key = lines[i];
      const char *val;

      if (eq == NULL)
        continue;
      *eq = '\0';
      val = eq + 1;
      /* G_MAXINT - 1: epochs are shown 1-based, and that must fit an int. */
      if (g_str_equal (key, "epochs_trained"))
        info->epochs_trained = (int) CLAMP (g_ascii_strtoll (val, NULL, 10), 0, G_MAXINT - 1);
      else if (g_str_equal (key, "best_epoch"))
        info->best_epoch = (int) CLAMP (g_ascii_strtoll (val, NULL, 10), -1, G_MAXINT - 1);
      else if (g_str_equal (key, "train_loss"))
        info->train_loss = parse_double (val);
      else if (g_str_equal (key, "val_loss"))
        info->val_loss = parse_double (val);
      else if (g_str_equal (key, "test_mse"))
        info->test_mse = parse_double (val);
      else if (g_str_equal (key, "test_psnr_db"))
        info->test_psnr_db = parse_double (val);
      else if (g_str_equal (key, "test_ssim"))
        info->test_ssim = parse_double (val);
      else if (g_str_equal (key, "created"))
        info->created = g_ascii_strtoll (val, NULL, 10);
      else if (g_str_equal (key, "train_seconds"))
        info->train_seconds = parse_double (val);
      else if (g_str_equal (key, "samples_per_s"))
        info->samples_per_s = parse_double (val);
      /* Other keys (input_scaling, writer, later additions) are informational. */
    }
}
