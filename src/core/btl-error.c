/* btl-error.c — see btl-error.h. */
#include "btl-error.h"

G_DEFINE_QUARK (btl-error-quark, btl_error)

gboolean
btl_error_from_nn (NnStatus        status,
                   const NnError  *nn_error,
                   GError        **error)
{
  BtlError code;

  if (status == NN_OK)
    return TRUE;

  switch (status)
    {
    case NN_ERR_SHAPE:     code = BTL_ERROR_SHAPE; break;
    case NN_ERR_DIVERGED:  code = BTL_ERROR_DIVERGED; break;
    case NN_ERR_CANCELLED: code = BTL_ERROR_CANCELLED; break;
    case NN_ERR_INVALID:   code = BTL_ERROR_INVALID; break;
    case NN_OK:
    case NN_ERR_NOMEM:
    default:               code = BTL_ERROR_FAILED; break;
    }

  g_set_error_literal (error, BTL_ERROR, code,
                       nn_error != NULL && nn_error->message[0] != '\0'
                         ? nn_error->message : "Engine error");
  return FALSE;
}
