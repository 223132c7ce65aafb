/* conv-fixture.h — loads the reference tensors written by gen-fixture-conv.py
 * and compares kernel results with them (shared by test-nn-conv and
 * test-nn-batchnorm). */
#pragma once

#include <glib.h>

typedef struct ConvFixture ConvFixture;

/* Loads tests/fixtures/<name> (found through G_TEST_SRCDIR). Every length and
 * count is checked against the file size; a bad file is a GError. */
ConvFixture *conv_fixture_load (const char  *name,
                                GError     **error);
void         conv_fixture_free (ConvFixture *fix);

/* Number of cases ("c<i>/geom" tensors). */
int          conv_fixture_n_cases (const ConvFixture *fix);

/* Tensor "c<case>/<field>"; fails the test when it is missing or does not hold
 * exactly n floats. */
const float *conv_fixture_get (const ConvFixture *fix,
                               int                case_index,
                               const char        *field,
                               gsize              n);

/* Worst |got − want| / (atol/rtol + |want|) over n values, i.e. a value
 * ≤ 1 is within tolerance |got − want| ≤ atol + rtol·|want|. Prints the worst
 * element as a test message under label. */
double       conv_fixture_worst (const char  *label,
                                 const float *got,
                                 const float *want,
                                 gsize        n,
                                 double       atol,
                                 double       rtol);

/* Fails the test (g_assert_cmpfloat) when conv_fixture_worst > 1. */
void         conv_fixture_assert_close (const char  *label,
                                        const float *got,
                                        const float *want,
                                        gsize        n,
                                        double       atol,
                                        double       rtol);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConvFixture, conv_fixture_free)
