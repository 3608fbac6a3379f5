/*
 * stats/reference.h — the shipped global reference set of the forecaster
 * (stats/forecast.h): the 738 SEISMIC retweet cascades of
 * fixtures/seismic, compiled in by stats/embed_ref.sh (so an installed
 * binary has it).  Row i: the counts at 1 h, 4 h, 24 h, 48 h and 7 days.
 */
#ifndef XETL_REFERENCE_H
#define XETL_REFERENCE_H

#define FC_REF_COLS 5

extern const double fc_reference[][FC_REF_COLS];
extern const int fc_reference_n;

#endif
