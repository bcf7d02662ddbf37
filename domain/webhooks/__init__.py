"""Webhooks out: the shop's other systems hear of order events by signed HTTP POSTs
(the Standard Webhooks spec), delivered at least once, in order per order, replayable."""
