"""Pure imaging libraries: arrays in, arrays out, no database."""
