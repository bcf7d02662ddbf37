"""When a parcel will really arrive: lane statistics learned from delivered parcels, revised
at every scan and as days pass without one (docs/predictions.md).

- `calendar`: the days a carrier delivers, its holidays, and a place's time zone;
- `parcels`: a parcel's history (the replay format) and where it stands now;
- `tables`: transit and remaining-time histograms per lane, backing off to coarser lanes;
- `predictor`: a prediction from the tables (or the carrier's estimate, or the promise);
- `backtest`: predictions replayed in time order against what happened; `synthetic` writes a
  synthetic replay.

Plain Python: nothing here knows orders, storage or GraphQL.
"""
