"""Diagram cards: Mermaid rendering, image occlusion and speed-draw notes."""
