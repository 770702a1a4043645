"""Event types the sales context emits and the hub events it reacts to."""
