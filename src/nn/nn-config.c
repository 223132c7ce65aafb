/* nn-config.c — NnConfig defaults, text form and validation.
 *
 * One table of rules: nn_config_set checks a single field (the GUI and CLI
 * call it per field), nn_config_validate checks the whole (ranges that depend
 * on each other, the arch against the input shape). Floats are written with
 * "%.9g" so text → float → text round-trips bit-exactly.
 */
#include "nn.h"
#include "nn-arch.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
nn_config_init_default (NnConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->kind = NN_KIND_PLAIN;
  snprintf (cfg->arch, sizeof cfg->arch, "%s", "784-512-128-32");
  cfg->activation = NN_ACT_RELU;
  cfg->out_activation = NN_ACT_SIGMOID;
  cfg->loss = NN_LOSS_MSE;
  cfg->dropout = 0.0f;
  cfg->batch_norm = false;
  cfg->in_channels = 1;
  cfg->in_height = 28;
  cfg->in_width = 28;
  cfg->noise = NN_NOISE_NONE;
  cfg->noise_level = 0.0f;
  cfg->sparsity = NN_SPARSITY_NONE;
  cfg->sparsity_lambda = 0.0f;
  cfg->sparsity_rho = 0.0f;
  cfg->beta = 1.0f;
  cfg->optimizer = NN_OPTIM_ADAM;
  cfg->lr = 1e-3f;
  cfg->momentum = 0.9f;
  cfg->beta1 = 0.9f;
  cfg->beta2 = 0.999f;
  cfg->eps = 1e-8f;
  cfg->weight_decay = 0.0f;
  cfg->schedule = NN_SCHEDULE_CONSTANT;
  cfg->lr_step = 2;
  cfg->lr_gamma = 0.5f;
  cfg->batch = 128;
  cfg->epochs = 5;
  cfg->seed = 1;
  cfg->threads = 0;
  cfg->val_split = 0.1f;
  cfg->patience = 0;
  snprintf (cfg->dataset, sizeof cfg->dataset, "%s", "fashion-mnist");
  cfg->init = NN_INIT_AUTO;
}

/* ---------------------------------------------------------------- enums */

static const char *const kind_names[] = { "plain", "denoising", "sparse", "vae", NULL };
static const char *const act_names[] = { "identity", "relu", "leaky_relu", "tanh", "sigmoid", NULL };
static const char *const loss_names[] = { "mse", "bce", NULL };
static const char *const optim_names[] = { "adam", "sgd", NULL };
static const char *const schedule_names[] = { "constant", "step", "cosine", "plateau", NULL };
static const char *const init_names[] = { "he", "torch", "auto", NULL };

static int
lookup (const char *const *names,
        const char        *value)
{
  int i;

  for (i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], value) == 0)
      return i;
  return -1;
}

/* "a|b|c" for error messages. */
static const char *
choices (const char *const *names)
{
  static _Thread_local char buf[128];
  size_t len = 0;
  int i;

  buf[0] = '\0';
  for (i = 0; names[i] != NULL; i++)
    len += (size_t) snprintf (buf + len, sizeof buf - len, "%s%s", i ? "|" : "", names[i]);
  return buf;
}

/* ---------------------------------------------------------------- scalars */

/* Whole-string float, finite. */
static bool
parse_float (const char *s,
             float      *out)
{
  char *end;
  float v;

  if (s[0] == '\0' || s[0] == ' ' || s[0] == '\t')
    return false;
  errno = 0;
  v = strtof (s, &end);
  if (*end != '\0' || end == s || !isfinite (v))
    return false;
  /* ERANGE on underflow to a denormal is harmless; on overflow isfinite caught it. */
  *out = v;
  return true;
}

static bool
parse_int (const char *s,
           int        *out)
{
  char *end;
  long v;

  if (s[0] == '\0' || s[0] == ' ' || s[0] == '\t')
    return false;
  errno = 0;
  v = strtol (s, &end, 10);
  if (*end != '\0' || errno != 0 || v < INT_MIN || v > INT_MAX)
    return false;
  *out = (int) v;
  return true;
}

static bool
parse_u64 (const char *s,
           uint64_t   *out)
{
  char *end;
  unsigned long long v;

  if (s[0] < '0' || s[0] > '9')
    return false;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (*end != '\0' || errno != 0)
    return false;
  *out = (uint64_t) v;
  return true;
}

static bool
parse_bool (const char *s,
            bool       *out)
{
  if (strcmp (s, "true") == 0 || strcmp (s, "1") == 0 || strcmp (s, "yes") == 0)
    *out = true;
  else if (strcmp (s, "false") == 0 || strcmp (s, "0") == 0 || strcmp (s, "no") == 0)
    *out = false;
  else
    return false;
  return true;
}

/* ---------------------------------------------------------------- keys */

typedef enum { T_FLOAT, T_INT } NumType;

/* Numeric keys with their closed/open ranges: one table serves set and validate. */
typedef struct
{
  const char *key;
  NumType     type;
  size_t      offset;
  double      min, max;
  bool        min_open;  /* value must be > min */
  bool        max_open;  /* value must be < max */
} NumKey;

#define F(key, field, lo, hi, lo_open, hi_open) \
  { key, T_FLOAT, offsetof (NnConfig, field), lo, hi, lo_open, hi_open }
#define I(key, field, lo, hi) \
  { key, T_INT, offsetof (NnConfig, field), lo, hi, false, false }

static const NumKey num_keys[] = {
  F ("dropout", dropout, 0.0, 1.0, false, true),
  I ("in_channels", in_channels, 1, 4096),
  I ("in_height", in_height, 1, 4096),
  I ("in_width", in_width, 1, 4096),
  F ("beta", beta, 0.0, 1e6, false, false),
  F ("lr", lr, 0.0, 1e6, true, false),
  F ("momentum", momentum, 0.0, 1.0, false, true),
  F ("beta1", beta1, 0.0, 1.0, false, true),
  F ("beta2", beta2, 0.0, 1.0, false, true),
  F ("eps", eps, 0.0, 1.0, true, false),
  F ("weight_decay", weight_decay, 0.0, 1.0, false, false),
  I ("lr_step", lr_step, 1, 1000000),
  F ("lr_gamma", lr_gamma, 0.0, 1.0, true, false),
  I ("batch", batch, 1, 65536),
  I ("epochs", epochs, 1, 1000000),
  I ("threads", threads, 0, 1024),
  F ("val_split", val_split, 0.0, 0.9, false, false),
  I ("patience", patience, 0, 1000000),
};

static const NumKey *
find_num_key (const char *key)
{
  size_t i;

  for (i = 0; i < sizeof num_keys / sizeof num_keys[0]; i++)
    if (strcmp (num_keys[i].key, key) == 0)
      return &num_keys[i];
  return NULL;
}

static NnStatus
check_range (const NumKey *nk,
             double        v,
             NnError      *err)
{
  bool low_ok = nk->min_open ? v > nk->min : v >= nk->min;
  bool high_ok = nk->max_open ? v < nk->max : v <= nk->max;

  if (low_ok && high_ok)
    return NN_OK;
  return nn_error_set (err, NN_ERR_INVALID, "%s = %.9g is out of range: must be %s %g and %s %g",
                       nk->key, v, nk->min_open ? ">" : "≥", nk->min,
                       nk->max_open ? "<" : "≤", nk->max);
}

static NnStatus
set_num (NnConfig     *cfg,
         const NumKey *nk,
         const char   *value,
         NnError      *err)
{
  char *field = (char *) cfg + nk->offset;

  if (nk->type == T_FLOAT)
    {
      float v;

      if (!parse_float (value, &v))
        return nn_error_set (err, NN_ERR_INVALID, "%s: \"%s\" is not a finite number", nk->key, value);
      if (check_range (nk, v, err) != NN_OK)
        return NN_ERR_INVALID;
      memcpy (field, &v, sizeof v);
    }
  else
    {
      int v;

      if (!parse_int (value, &v))
        return nn_error_set (err, NN_ERR_INVALID, "%s: \"%s\" is not an integer", nk->key, value);
      if (check_range (nk, v, err) != NN_OK)
        return NN_ERR_INVALID;
      memcpy (field, &v, sizeof v);
    }
  return NN_OK;
}

/* "none" | "gaussian:σ" | "mask:p" */
static NnStatus
set_noise (NnConfig   *cfg,
           const char *value,
           NnError    *err)
{
  float level;

  if (strcmp (value, "none") == 0)
    {
      cfg->noise = NN_NOISE_NONE;
      cfg->noise_level = 0.0f;
      return NN_OK;
    }
  if (strncmp (value, "gaussian:", 9) == 0)
    {
      if (!parse_float (value + 9, &level) || level <= 0.0f || level > 10.0f)
        return nn_error_set (err, NN_ERR_INVALID,
                             "noise: \"%s\": gaussian σ must be a number > 0 and ≤ 10", value);
      cfg->noise = NN_NOISE_GAUSSIAN;
      cfg->noise_level = level;
      return NN_OK;
    }
  if (strncmp (value, "mask:", 5) == 0)
    {
      if (!parse_float (value + 5, &level) || level <= 0.0f || level >= 1.0f)
        return nn_error_set (err, NN_ERR_INVALID,
                             "noise: \"%s\": mask probability must be > 0 and < 1", value);
      cfg->noise = NN_NOISE_MASK;
      cfg->noise_level = level;
      return NN_OK;
    }
  return nn_error_set (err, NN_ERR_INVALID,
                       "noise: \"%s\" is not none, gaussian:σ or mask:p (e.g. gaussian:0.3)", value);
}

/* "none" | "l1:λ" | "kl:ρ,β" */
static NnStatus
set_sparsity (NnConfig   *cfg,
              const char *value,
              NnError    *err)
{
  if (strcmp (value, "none") == 0)
    {
      cfg->sparsity = NN_SPARSITY_NONE;
      cfg->sparsity_lambda = 0.0f;
      cfg->sparsity_rho = 0.0f;
      return NN_OK;
    }
  if (strncmp (value, "l1:", 3) == 0)
    {
      float lambda;

      if (!parse_float (value + 3, &lambda) || lambda <= 0.0f || lambda > 1e3f)
        return nn_error_set (err, NN_ERR_INVALID,
                             "sparsity: \"%s\": l1 λ must be a number > 0 and ≤ 1000", value);
      cfg->sparsity = NN_SPARSITY_L1;
      cfg->sparsity_lambda = lambda;
      cfg->sparsity_rho = 0.0f;
      return NN_OK;
    }
  if (strncmp (value, "kl:", 3) == 0)
    {
      char rho_text[64];
      const char *comma = strchr (value + 3, ',');
      size_t len;
      float rho, beta;

      len = comma ? (size_t) (comma - (value + 3)) : 0;
      if (comma == NULL || len == 0 || len >= sizeof rho_text)
        return nn_error_set (err, NN_ERR_INVALID,
                             "sparsity: \"%s\": kl needs a target and a weight, kl:ρ,β (e.g. kl:0.05,1.0)",
                             value);
      memcpy (rho_text, value + 3, len);
      rho_text[len] = '\0';
      if (!parse_float (rho_text, &rho) || rho <= 0.0f || rho >= 1.0f
          || !parse_float (comma + 1, &beta) || beta <= 0.0f || beta > 1e3f)
        return nn_error_set (err, NN_ERR_INVALID,
                             "sparsity: \"%s\": need 0 < ρ < 1 and 0 < β ≤ 1000", value);
      cfg->sparsity = NN_SPARSITY_KL;
      cfg->sparsity_rho = rho;
      cfg->sparsity_lambda = beta;
      return NN_OK;
    }
  return nn_error_set (err, NN_ERR_INVALID,
                       "sparsity: \"%s\" is not none, l1:λ or kl:ρ,β (e.g. l1:1e-3)", value);
}

static NnStatus
set_text (char       *dst,
          size_t      size,
          const char *key,
          const char *value,
          NnError    *err)
{
  const unsigned char *p;
  size_t len = strlen (value);

  if (len == 0)
    return nn_error_set (err, NN_ERR_INVALID, "%s is empty", key);
  if (len >= size)
    return nn_error_set (err, NN_ERR_INVALID, "%s is longer than %zu characters", key, size - 1);
  for (p = (const unsigned char *) value; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return nn_error_set (err, NN_ERR_INVALID, "%s contains a control character", key);
  memcpy (dst, value, len + 1);
  return NN_OK;
}

static NnStatus
set_enum (int               *field,
          const char *const *names,
          const char        *key,
          const char        *value,
          NnError           *err)
{
  int v = lookup (names, value);

  if (v < 0)
    return nn_error_set (err, NN_ERR_INVALID, "%s: \"%s\" is not one of %s", key, value, choices (names));
  *field = v;
  return NN_OK;
}

NnStatus
nn_config_set (NnConfig   *cfg,
               const char *key,
               const char *value,
               NnError    *err)
{
  const NumKey *nk;
  NnStatus st;
  int e;

  if (cfg == NULL || key == NULL || value == NULL)
    return nn_error_set (err, NN_ERR_INVALID, "nn_config_set: NULL argument");

  nk = find_num_key (key);
  if (nk != NULL)
    return set_num (cfg, nk, value, err);

  e = 0;
  st = NN_OK;
  if (strcmp (key, "kind") == 0)
    {
      if ((st = set_enum (&e, kind_names, key, value, err)) == NN_OK)
        cfg->kind = (NnKind) e;
    }
  else if (strcmp (key, "arch") == 0)
    {
      NnArch arch;

      if (strlen (value) >= sizeof cfg->arch)
        return nn_error_set (err, NN_ERR_INVALID, "arch is longer than %zu characters",
                             sizeof cfg->arch - 1);
      /* Grammar only: the input shape may be set after the arch. */
      if ((st = nn_arch_parse (&arch, value, 0, 0, 0, err)) == NN_OK)
        snprintf (cfg->arch, sizeof cfg->arch, "%s", value);
    }
  else if (strcmp (key, "activation") == 0)
    {
      if ((st = set_enum (&e, act_names, key, value, err)) == NN_OK)
        cfg->activation = (NnActivation) e;
    }
  else if (strcmp (key, "out_activation") == 0)
    {
      if ((st = set_enum (&e, act_names, key, value, err)) == NN_OK)
        cfg->out_activation = (NnActivation) e;
    }
  else if (strcmp (key, "loss") == 0)
    {
      if ((st = set_enum (&e, loss_names, key, value, err)) == NN_OK)
        cfg->loss = (NnLoss) e;
    }
  else if (strcmp (key, "optimizer") == 0)
    {
      if ((st = set_enum (&e, optim_names, key, value, err)) == NN_OK)
        cfg->optimizer = (NnOptimizer) e;
    }
  else if (strcmp (key, "schedule") == 0)
    {
      if ((st = set_enum (&e, schedule_names, key, value, err)) == NN_OK)
        cfg->schedule = (NnSchedule) e;
    }
  else if (strcmp (key, "init") == 0)
    {
      if ((st = set_enum (&e, init_names, key, value, err)) == NN_OK)
        cfg->init = (NnInit) e;
    }
  else if (strcmp (key, "batch_norm") == 0)
    {
      bool b;

      if (!parse_bool (value, &b))
        return nn_error_set (err, NN_ERR_INVALID, "batch_norm: \"%s\" is not true or false", value);
      cfg->batch_norm = b;
    }
  else if (strcmp (key, "noise") == 0)
    st = set_noise (cfg, value, err);
  else if (strcmp (key, "sparsity") == 0)
    st = set_sparsity (cfg, value, err);
  else if (strcmp (key, "seed") == 0)
    {
      uint64_t seed;

      if (!parse_u64 (value, &seed))
        return nn_error_set (err, NN_ERR_INVALID,
                             "seed: \"%s\" is not a whole number between 0 and 18446744073709551615",
                             value);
      cfg->seed = seed;
    }
  else if (strcmp (key, "dataset") == 0)
    st = set_text (cfg->dataset, sizeof cfg->dataset, key, value, err);
  else
    return nn_error_set (err, NN_ERR_INVALID, "unknown configuration key \"%s\" (value \"%s\")",
                         key, value);
  return st;
}

/* ---------------------------------------------------------------- format */

/* Appends to buf like snprintf, tracking the length it would need. */
static void
append (char       *buf,
        size_t      size,
        size_t     *len,
        const char *fmt,
        ...) __attribute__ ((format (printf, 4, 5)));

static void
append (char       *buf,
        size_t      size,
        size_t     *len,
        const char *fmt,
        ...)
{
  va_list ap;
  int n;

  va_start (ap, fmt);
  if (*len < size)
    n = vsnprintf (buf + *len, size - *len, fmt, ap);
  else
    n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  if (n > 0)
    *len += (size_t) n;
}

size_t
nn_config_format (const NnConfig *cfg,
                  char           *buf,
                  size_t          size)
{
  size_t len = 0;
  size_t i;

  if (buf != NULL && size > 0)
    buf[0] = '\0';
  else
    size = 0;

  append (buf, size, &len, "kind=%s\n", kind_names[cfg->kind]);
  append (buf, size, &len, "arch=%s\n", cfg->arch);
  append (buf, size, &len, "activation=%s\n", act_names[cfg->activation]);
  append (buf, size, &len, "out_activation=%s\n", act_names[cfg->out_activation]);
  append (buf, size, &len, "loss=%s\n", loss_names[cfg->loss]);
  append (buf, size, &len, "batch_norm=%s\n", cfg->batch_norm ? "true" : "false");
  switch (cfg->noise)
    {
    case NN_NOISE_GAUSSIAN:
      append (buf, size, &len, "noise=gaussian:%.9g\n", cfg->noise_level);
      break;
    case NN_NOISE_MASK:
      append (buf, size, &len, "noise=mask:%.9g\n", cfg->noise_level);
      break;
    case NN_NOISE_NONE:
    default:
      append (buf, size, &len, "noise=none\n");
      break;
    }
  switch (cfg->sparsity)
    {
    case NN_SPARSITY_L1:
      append (buf, size, &len, "sparsity=l1:%.9g\n", cfg->sparsity_lambda);
      break;
    case NN_SPARSITY_KL:
      append (buf, size, &len, "sparsity=kl:%.9g,%.9g\n", cfg->sparsity_rho, cfg->sparsity_lambda);
      break;
    case NN_SPARSITY_NONE:
    default:
      append (buf, size, &len, "sparsity=none\n");
      break;
    }
  append (buf, size, &len, "optimizer=%s\n", optim_names[cfg->optimizer]);
  append (buf, size, &len, "schedule=%s\n", schedule_names[cfg->schedule]);
  append (buf, size, &len, "init=%s\n", init_names[cfg->init]);
  for (i = 0; i < sizeof num_keys / sizeof num_keys[0]; i++)
    {
      const NumKey *nk = &num_keys[i];
      const char *field = (const char *) cfg + nk->offset;

      if (nk->type == T_FLOAT)
        {
          float v;

          memcpy (&v, field, sizeof v);
          append (buf, size, &len, "%s=%.9g\n", nk->key, v);
        }
      else
        {
          int v;

          memcpy (&v, field, sizeof v);
          append (buf, size, &len, "%s=%d\n", nk->key, v);
        }
    }
  append (buf, size, &len, "seed=%" PRIu64 "\n", cfg->seed);
  append (buf, size, &len, "dataset=%s\n", cfg->dataset);
  return len;
}

bool
nn_config_equal (const NnConfig *a,
                 const NnConfig *b)
{
  char ta[4096], tb[4096];

  /* The text form covers every field and nothing else. */
  nn_config_format (a, ta, sizeof ta);
  nn_config_format (b, tb, sizeof tb);
  return strcmp (ta, tb) == 0;
}

/* ---------------------------------------------------------------- parse */

NnStatus
nn_config_parse (NnConfig   *cfg,
                 const char *text,
                 NnError    *err)
{
  const char *line = text;
  int line_no = 0;

  if (cfg == NULL || text == NULL)
    return nn_error_set (err, NN_ERR_INVALID, "nn_config_parse: NULL argument");

  while (*line != '\0')
    {
      char buf[NN_ARCH_MAX + 64];
      const char *nl = strchr (line, '\n');
      size_t len = nl ? (size_t) (nl - line) : strlen (line);
      char *eq;
      NnStatus st;

      line_no++;
      if (len > 0 && line[len - 1] == '\r')
        len--;
      if (len >= sizeof buf)
        return nn_error_set (err, NN_ERR_INVALID, "configuration line %d is too long", line_no);
      memcpy (buf, line, len);
      buf[len] = '\0';
      line = nl ? nl + 1 : line + strlen (line);

      if (len == 0 || buf[0] == '#')
        continue;
      eq = strchr (buf, '=');
      if (eq == NULL || eq == buf)
        return nn_error_set (err, NN_ERR_INVALID,
                             "configuration line %d is not key=value: \"%.60s\"", line_no, buf);
      *eq = '\0';
      st = nn_config_set (cfg, buf, eq + 1, err);
      if (st != NN_OK)
        {
          if (err != NULL)
            {
              char msg[sizeof err->message];

              snprintf (msg, sizeof msg, "%s", err->message);
              nn_error_set (err, st, "configuration line %d: %s", line_no, msg);
            }
          return st;
        }
    }
  return NN_OK;
}

/* ---------------------------------------------------------------- validate */

NnStatus
nn_config_validate (const NnConfig *cfg,
                    NnError        *err)
{
  NnArch arch;
  NnStatus st;
  size_t i;

  if (cfg == NULL)
    return nn_error_set (err, NN_ERR_INVALID, "configuration is NULL");

  if ((unsigned) cfg->kind > NN_KIND_VAE)
    return nn_error_set (err, NN_ERR_INVALID, "kind has an unknown value %d", (int) cfg->kind);
  if ((unsigned) cfg->activation > NN_ACT_SIGMOID
      || (unsigned) cfg->out_activation > NN_ACT_SIGMOID)
    return nn_error_set (err, NN_ERR_INVALID, "activation has an unknown value");
  if ((unsigned) cfg->loss > NN_LOSS_BCE)
    return nn_error_set (err, NN_ERR_INVALID, "loss has an unknown value %d", (int) cfg->loss);
  if ((unsigned) cfg->optimizer > NN_OPTIM_SGD)
    return nn_error_set (err, NN_ERR_INVALID, "optimizer has an unknown value %d", (int) cfg->optimizer);
  if ((unsigned) cfg->schedule > NN_SCHEDULE_PLATEAU)
    return nn_error_set (err, NN_ERR_INVALID, "schedule has an unknown value %d", (int) cfg->schedule);
  if ((unsigned) cfg->init > NN_INIT_AUTO)
    return nn_error_set (err, NN_ERR_INVALID, "init has an unknown value %d", (int) cfg->init);
  if ((unsigned) cfg->noise > NN_NOISE_MASK || (unsigned) cfg->sparsity > NN_SPARSITY_KL)
    return nn_error_set (err, NN_ERR_INVALID, "noise or sparsity has an unknown value");

  for (i = 0; i < sizeof num_keys / sizeof num_keys[0]; i++)
    {
      const NumKey *nk = &num_keys[i];
      const char *field = (const char *) cfg + nk->offset;
      double v;

      if (nk->type == T_FLOAT)
        {
          float f;

          memcpy (&f, field, sizeof f);
          if (!isfinite (f))
            return nn_error_set (err, NN_ERR_INVALID, "%s is not a finite number", nk->key);
          v = f;
        }
      else
        {
          int n;

          memcpy (&n, field, sizeof n);
          v = n;
        }
      if ((st = check_range (nk, v, err)) != NN_OK)
        return st;
    }

  if (memchr (cfg->arch, '\0', sizeof cfg->arch) == NULL
      || memchr (cfg->dataset, '\0', sizeof cfg->dataset) == NULL)
    return nn_error_set (err, NN_ERR_INVALID, "arch or dataset is not terminated");

  switch (cfg->noise)
    {
    case NN_NOISE_GAUSSIAN:
      if (!(cfg->noise_level > 0.0f && cfg->noise_level <= 10.0f))
        return nn_error_set (err, NN_ERR_INVALID, "noise: gaussian σ must be > 0 and ≤ 10");
      break;
    case NN_NOISE_MASK:
      if (!(cfg->noise_level > 0.0f && cfg->noise_level < 1.0f))
        return nn_error_set (err, NN_ERR_INVALID, "noise: mask probability must be > 0 and < 1");
      break;
    case NN_NOISE_NONE:
    default:
      break;
    }
  if (cfg->sparsity == NN_SPARSITY_L1 && !(cfg->sparsity_lambda > 0.0f && cfg->sparsity_lambda <= 1e3f))
    return nn_error_set (err, NN_ERR_INVALID, "sparsity: l1 λ must be > 0 and ≤ 1000");
  if (cfg->sparsity == NN_SPARSITY_KL
      && !(cfg->sparsity_rho > 0.0f && cfg->sparsity_rho < 1.0f
           && cfg->sparsity_lambda > 0.0f && cfg->sparsity_lambda <= 1e3f))
    return nn_error_set (err, NN_ERR_INVALID, "sparsity: kl needs 0 < ρ < 1 and 0 < β ≤ 1000");

  if (cfg->kind == NN_KIND_DENOISING && cfg->noise == NN_NOISE_NONE)
    return nn_error_set (err, NN_ERR_INVALID,
                         "kind denoising needs noise (e.g. noise gaussian:0.3 or mask:0.25)");
  if (cfg->kind == NN_KIND_SPARSE && cfg->sparsity == NN_SPARSITY_NONE)
    return nn_error_set (err, NN_ERR_INVALID,
                         "kind sparse needs a sparsity penalty (e.g. sparsity l1:1e-3 or kl:0.05,1.0)");
  if (cfg->loss == NN_LOSS_BCE && cfg->out_activation != NN_ACT_SIGMOID)
    return nn_error_set (err, NN_ERR_INVALID,
                         "loss bce needs out_activation sigmoid (it is computed from the logits)");

  st = nn_arch_parse (&arch, cfg->arch, cfg->in_channels, cfg->in_height, cfg->in_width, err);
  if (st != NN_OK)
    return st;
  if (cfg->kind == NN_KIND_VAE && arch.layers[arch.n_layers - 1].type != NN_ARCH_DENSE)
    return nn_error_set (err, NN_ERR_SHAPE,
                         "kind vae needs a dense code layer last in arch (e.g. c16k3s2,c32k3s2,d16)");
  return NN_OK;
}
