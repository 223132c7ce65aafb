/* btl-error.h — the core's GError domain and the bridge from engine statuses. */
#pragma once

#include <glib.h>

#include "nn.h"

G_BEGIN_DECLS

#define BTL_ERROR (btl_error_quark ())

typedef enum
{
  BTL_ERROR_INVALID,      /* bad value or argument */
  BTL_ERROR_SHAPE,        /* architecture does not fit the data */
  BTL_ERROR_DIVERGED,     /* training produced NaN/Inf */
  BTL_ERROR_CANCELLED,
  BTL_ERROR_CORRUPT,      /* a file is truncated, damaged or not what it claims */
  BTL_ERROR_VERSION,      /* a file from a newer Bottleneck */
  BTL_ERROR_MISMATCH,     /* e.g. a .btlz made by another model */
  BTL_ERROR_TOO_LARGE,    /* input above a documented limit */
  BTL_ERROR_FAILED,
} BtlError;

GQuark   btl_error_quark (void);

/* Turns an engine status into a GError (no-op for NN_OK); returns FALSE on error
 * so callers can write `return btl_error_from_nn (st, &nerr, error);`. */
gboolean btl_error_from_nn (NnStatus        status,
                            const NnError  *nn_error,
                            GError        **error);

/* The engine's translate function (nn_set_translate_func): its English
 * messages looked up in the program's gettext domain. */
const char *btl_error_translate_nn (const char *msgid);

G_END_DECLS
