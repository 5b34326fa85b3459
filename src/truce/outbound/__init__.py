"""What Truce sends out to other systems: signed webhook requests."""
