"""Views of the graph for people and their tools: GraphML and the interactive page."""
