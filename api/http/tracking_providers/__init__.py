"""Tracking aggregators' webhooks in: each provider's authentication, its vocabulary mapped to
orderwire's tracking tags in one table, its checkpoints handed to the one door of every scan
(domain/orders/scan_batches.py). `receiver.py` is what every provider shares."""
